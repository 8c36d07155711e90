#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushRunner
import TicketRushReports

/// Writes a run's reports and prints its terminal summary; shared by `run` and `merge`.
///
/// Every output place is opened and checked before the first trial (`Outputs.prepare`):
/// no symbolic link is followed, the reports folder is locked against a second run, and
/// the reports are written as temp files and renamed in together (docs/results.md).
package enum ReportFiles {
    /// The report files always in the reports folder (all but junit.xml, which --junit may move).
    static var names: [String] { ReportFormats.all.filter { $0.name != ReportFormats.junit }.map(\.file) }

    /// Where a run writes, opened and checked.
    package struct Outputs {
        package var reports: String
        var reportsFD: Int32
        var junitFD: Int32
        var junitName: String
        var junitShown: String
        package var eventsFD: Int32?
        var events: String?
        /// The reports folder's run lock, held until `release`.
        var lockFD: Int32 = -1

        /// Releases the run lock and the folders: a second command in this process (a test,
        /// a caller of the app layer) can then take the same folder.
        package func release() {
            for fd in Set([reportsFD, junitFD, lockFD] + (eventsFD.map { [$0] } ?? [])) where fd >= 0 { _ = close(fd) }
        }

        /// Opens (creating) the reports folder, takes its run lock, and checks that every
        /// report path can be replaced: a link or a folder there is refused.
        package static func prepare(reports: String, junit: String?, events: String?,
                                   waiting: (String) -> Void) throws(SafeFiles.Failure) -> Outputs {
            let fd = try SafeFiles.openFolder(reports, create: true)
            let lockFD = try SafeFiles.lock(fd, shown: reports, waiting: waiting)
            try probe(fd, shown: reports)
            for name in names { try SafeFiles.checkReplaceable(fd, name, shown: "\(reports)/\(name)") }
            let junitFile = ReportFormats.all.first { $0.name == ReportFormats.junit }?.file ?? "junit.xml"
            var junitFD = fd, junitName = junitFile, junitShown = "\(reports)/\(junitFile)"
            if let junit {
                var isDir = false
                if junit.hasSuffix("/") || (FileManager.default.fileExists(atPath: junit, isDirectory: &isDir) && isDir) {
                    throw SafeFiles.Failure("--junit \(junit) is a folder; give the path of the file to write, such as \(junit.hasSuffix("/") ? junit : junit + "/")junit.xml")
                }
                let parent = junit.pathDeletingLastComponent
                junitName = junit.pathLastComponent
                junitFD = try SafeFiles.openFolder(parent.isEmpty ? "." : parent, create: true)
                junitShown = junit
                try probe(junitFD, shown: parent.isEmpty ? "." : parent)
            }
            try SafeFiles.checkReplaceable(junitFD, junitName, shown: junitShown)
            let eventsFD = try events.map { path throws(SafeFiles.Failure) in
                let fd = try SafeFiles.openFolder(path, create: true)
                try probe(fd, shown: path)
                return fd
            }
            return Outputs(reports: reports, reportsFD: fd, junitFD: junitFD, junitName: junitName, junitShown: junitShown,
                           eventsFD: eventsFD, events: events, lockFD: lockFD)
        }

        /// A folder the run cannot write into is found now, not after every trial ran.
        private static func probe(_ dir: Int32, shown: String) throws(SafeFiles.Failure) {
            let name = ".ticketrush.probe.\(getpid())"
            let fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SafeFiles.Failure("cannot write into \(shown): \(SafeFiles.reason(errno))") }
            close(fd)
            unlinkat(dir, name, 0)
        }

        /// Writes one trial's file into the reports folder, `REPORTS/FOLDER/SCENARIO/trial-N.EXT`
        /// (`--export elle`), as a temp file renamed in.
        package func writeTrialFile(_ text: String, under top: String, scenario: String, trial: Int, ext: String) throws(SafeFiles.Failure) {
            let outer = try SafeFiles.openFolder(top, create: true, in: reportsFD, shown: "\(reports)/\(top)")
            defer { close(outer) }
            let name = slug(scenario), file = "trial-\(trial + 1).\(ext)", shown = "\(reports)/\(top)/\(name)/\(file)"
            let folder = try SafeFiles.openFolder(name, create: true, in: outer, shown: "\(reports)/\(top)/\(name)")
            defer { close(folder) }
            var batch = SafeFiles.Batch()
            do {
                try batch.stage(text.utf8, in: folder, name: file, shown: shown)
                try batch.commit(sync: false)
            } catch {
                batch.abandon()
                throw error
            }
        }

        /// Writes one trial's event log, `EVENTS/SCENARIO/trial-N.jsonl`, as a temp file renamed in.
        package func writeEvents(_ text: String, scenario: String, trial: Int) throws(SafeFiles.Failure) {
            guard let eventsFD, let events else { return }
            let name = slug(scenario)
            let folder = try SafeFiles.openFolder(name, create: true, in: eventsFD, shown: "\(events)/\(name)")
            defer { close(folder) }
            var batch = SafeFiles.Batch()
            do {
                try batch.stage(text.utf8, in: folder, name: "trial-\(trial + 1).jsonl", shown: "\(events)/\(name)/trial-\(trial + 1).jsonl")
                try batch.commit(sync: false)
            } catch {
                batch.abandon()
                throw error
            }
        }
    }

    /// Renders every registered report, writes each as a temp file, then renames them all in
    /// and syncs the folder once: on failure the previous reports stay untouched.
    package static func write(_ results: RunResults, to out: Outputs) throws(SafeFiles.Failure) {
        var files: [(Int32, String, String, [UInt8])] = []
        for format in ReportFormats.all {
            let bytes: [UInt8]
            do { bytes = try format.render(results) } catch { throw SafeFiles.Failure("cannot render \(format.file): \(error)") }
            if format.name == ReportFormats.junit {
                files.append((out.junitFD, out.junitName, out.junitShown, bytes))
            } else {
                files.append((out.reportsFD, format.file, "\(out.reports)/\(format.file)", bytes))
            }
        }
        var batch = SafeFiles.Batch()
        do {
            for (dir, name, shown, bytes) in files { try batch.stage(bytes, in: dir, name: name, shown: shown) }
            try batch.commit()
        } catch {
            batch.abandon()
            throw error
        }
    }

    /// A line (and statistics) per cell and the closing line, for standard output. A
    /// summary line stays one line whatever a scenario name holds: a newline in a name must
    /// not start a line (a CI log reads `::command::` at a line start).
    package static func summary(_ results: RunResults, quiet: Bool, reports: String, junit: String?) -> [Outcome.Line] {
        var lines: [String] = []
        for c in results.cells {
            if !quiet || c.report.mark != "PASS" { lines.append(TerminalSummary.line(c.report)) }
            if !quiet { lines += CellSummary.lines(c) }
            lines += TerminalSummary.details(c.report)
        }
        lines += Unmet.shortSummary(results)
        lines.append(TerminalSummary.total(results.cells.map(\.report), incomplete: results.incomplete))
        if !quiet { lines.append("Reports: \(reports)/ (junit: \(junit ?? "\(reports)/junit.xml"))") }
        return lines.map { Outcome.Line(stream: .out, text: Unmet.visible($0)) }
    }
}
