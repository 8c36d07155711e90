#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushRunner
import TicketRushReports

/// `ticketrush merge`: the shards' trials.json read and checked, combined, the reports
/// written as one unsharded run writes them.
package enum MergeApp {
    package struct Options: Sendable {
        package var folders: [String]
        package var reports = "reports"
        package var junit: String?
        package var quiet = false
        package var format = OutputFormat.text
        /// `--filter/-k`: judge and report only the cells these name patterns keep (NameFilter).
        package var filter: [String] = []
        package var environment: [String: String] = ProcessInfo.processInfo.environment

        package init(folders: [String]) { self.folders = folders }
    }

    package static func run(_ o: Options, console: Console) -> Outcome {
        do {
            let parts = try read(o.folders)
            if let problem = MergeInputs.problem(parts, folders: o.folders) ?? MergeInputs.planProblem(parts, folders: o.folders) {
                throw Stop.error(problem, code: 2)
            }
            if let shard = MergeInputs.overlap(reports: o.reports, folders: o.folders) {
                throw Stop.error("--reports \(o.reports) is the shard folder \(shard); merging into it would overwrite that shard: choose another folder", code: 2)
            }
            let outputs: ReportFiles.Outputs
            do {
                outputs = try ReportFiles.Outputs.prepare(reports: o.reports, junit: o.junit, events: nil, waiting: { console.errLine(visible($0)) })
            } catch {
                throw Stop.error(error.description, code: error.interrupted ? 130 : 3)
            }
            defer { outputs.release() }
            let whole: RunResults
            do { whole = try RunResults.merge(parts) } catch { throw Stop.error(error.description, code: 2) }
            let merged = NameFilter.select(o.filter, in: whole)
            if merged.cellRecords.isEmpty, !o.filter.isEmpty {
                throw Stop.error(NameFilter.nothingKept(o.filter, names: whole.cellRecords.map(\.name)), code: 2)
            }
            do {
                try ReportFiles.write(merged, to: outputs)
            } catch {
                throw Stop.error("reports not written (the previous ones are untouched): \(error.description)", code: 3)
            }
            var outcome = Outcome(code: merged.passed ? 0 : 1, lines: ReportFiles.summary(merged, quiet: o.quiet, reports: o.reports, junit: o.junit))
            outcome.lines += CISupport.emit(merged, format: o.format, environment: o.environment)
            return outcome
        } catch let stop as Stop {
            return stop.outcome
        } catch {
            return .error("\(error)", code: 3)
        }
    }

    /// Each folder's trials.json; a missing or unreadable one stops at its path (exit 2).
    static func read(_ folders: [String]) throws(Stop) -> [RunResults] {
        var parts: [RunResults] = []
        for folder in folders {
            let path = "\(folder)/trials.json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Stop(Outcome(code: 2, lines: [.init(stream: .err, text: "\(path):1:1: error: no such file (not a report folder of `ticketrush run`?)")]))
            }
            do {
                parts.append(try RunResults.read(data))
            } catch {
                throw Stop(Outcome(code: 2, lines: [.init(stream: .err, text: "\(path):1:1: error: cannot read: \(error)")]))
            }
        }
        return parts
    }
}
