import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// Writes a run's reports and prints its terminal summary; shared by `run` and `merge`.
///
/// Every output place is opened and checked before the first trial (`Outputs.prepare`):
/// no symbolic link is followed, the reports folder is locked against a second run, and
/// the reports are written as temp files and renamed in together (docs/results.md).
enum ReportFiles {
    /// The report names in the reports folder (junit.xml unless --junit moves it).
    static let names = ["results.csv", "summary.json", "index.html", "trials.json"]

    /// Where a run writes, opened and checked.
    struct Outputs {
        var reports: String
        var reportsFD: Int32
        var junitFD: Int32
        var junitName: String
        var junitShown: String
        var eventsFD: Int32?
        var events: String?

        /// Opens (creating) the reports folder, takes its run lock, and checks that every
        /// report path can be replaced: a link or a folder there is refused.
        static func prepare(reports: String, junit: String?, events: String?) throws(SafeFiles.Failure) -> Outputs {
            let fd = try SafeFiles.openFolder(reports, create: true)
            _ = try SafeFiles.lock(fd, shown: reports, waiting: { printError($0) })
            try probe(fd, shown: reports)
            for name in names { try SafeFiles.checkReplaceable(fd, name, shown: "\(reports)/\(name)") }
            var junitFD = fd, junitName = "junit.xml", junitShown = "\(reports)/junit.xml"
            if let junit {
                var isDir: ObjCBool = false
                if junit.hasSuffix("/") || (FileManager.default.fileExists(atPath: junit, isDirectory: &isDir) && isDir.boolValue) {
                    throw SafeFiles.Failure("--junit \(junit) is a folder; give the path of the file to write, such as \(junit.hasSuffix("/") ? junit : junit + "/")junit.xml")
                }
                let parent = (junit as NSString).deletingLastPathComponent
                junitName = (junit as NSString).lastPathComponent
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
                           eventsFD: eventsFD, events: events)
        }

        /// A folder the run cannot write into is found now, not after every trial ran.
        private static func probe(_ dir: Int32, shown: String) throws(SafeFiles.Failure) {
            let name = ".ticketrush.probe.\(getpid())"
            let fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SafeFiles.Failure("cannot write into \(shown): \(SafeFiles.reason(errno))") }
            close(fd)
            unlinkat(dir, name, 0)
        }

        /// Writes one trial's event log, `EVENTS/SCENARIO/trial-N.jsonl`, as a temp file renamed in.
        func writeEvents(_ text: String, scenario: String, trial: Int) throws(SafeFiles.Failure) {
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

    /// Renders every report, writes each as a temp file, then renames them all in and
    /// syncs the folder once: on failure the previous reports stay untouched.
    static func write(_ results: RunResults, to out: Outputs) throws(SafeFiles.Failure) {
        let cells = results.cells
        let json: Data
        do { json = try results.json() } catch { throw SafeFiles.Failure("cannot encode trials.json: \(error)") }
        let files: [(Int32, String, String, [UInt8])] = [
            (out.junitFD, out.junitName, out.junitShown, Array(JUnitReport.xml(cells.map(\.report), incomplete: results.incomplete).utf8)),
            (out.reportsFD, "results.csv", "\(out.reports)/results.csv", Array(ResultsCSV.text(results).utf8)),
            (out.reportsFD, "summary.json", "\(out.reports)/summary.json", Array(SummaryJSON.text(results).utf8)),
            (out.reportsFD, "index.html", "\(out.reports)/index.html", Array(HTMLReport.html(results).utf8)),
            (out.reportsFD, "trials.json", "\(out.reports)/trials.json", Array(json)),
        ]
        var batch = SafeFiles.Batch()
        do {
            for (dir, name, shown, bytes) in files { try batch.stage(bytes, in: dir, name: name, shown: shown) }
            try batch.commit()
        } catch {
            batch.abandon()
            throw error
        }
    }

    /// Prints a line (and statistics) per cell and the closing line; returns the exit status.
    static func printSummary(_ results: RunResults, quiet: Bool, reports: String, junit: String?) -> Int32 {
        let cells = results.cells
        for c in cells {
            if !quiet || c.report.mark != "PASS" { say(TerminalSummary.line(c.report)) }
            if !quiet { for line in CellSummary.lines(c) { say(line) } }
            for line in TerminalSummary.details(c.report) { say(line) }
        }
        for line in Unmet.shortSummary(results) { say(line) }
        say(TerminalSummary.total(cells.map(\.report), incomplete: results.incomplete))
        if !quiet { say("Reports: \(reports)/ (junit: \(junit ?? "\(reports)/junit.xml"))") }
        return results.passed ? 0 : 1
    }

    /// A summary line stays one line whatever a scenario name holds: a newline in a name
    /// must not start a line (a CI log reads `::command::` at a line start).
    private static func say(_ line: String) { print(Unmet.visible(line)) }
}
