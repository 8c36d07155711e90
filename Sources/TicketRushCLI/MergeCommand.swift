import ArgumentParser
import Foundation
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the reports of shards (run --shard K/N) into what one unsharded run writes.",
        discussion: """
            Reads DIR/trials.json of each shard, checks the shards are 1/N … N/N of one run (same scenarios and seeds, \
            no trial twice), and writes junit.xml, results.csv, summary.json, index.html and trials.json to --reports. \
            Exit 0 when every expectation is met, 1 when not, 2 when the shards do not fit together.
            """)

    @Argument(help: "Report folders of the shards (each holds trials.json).")
    var folders: [String]

    @Option(help: "Folder for the merged reports.")
    var reports: String = "reports"

    @Option(help: "Where to write the merged JUnit XML report (default: REPORTS/junit.xml).")
    var junit: String?

    @Flag(help: "Print only problems and the closing line.")
    var quiet = false

    @Option(help: "text, or github: also an ::error annotation per unmet expectation and the $GITHUB_STEP_SUMMARY Markdown.")
    var format: OutputFormat = .text

    func run() throws {
        var parts: [RunResults] = []
        for folder in folders {
            let path = "\(folder)/trials.json"
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("\(path):1:1: error: no such file (not a report folder of `ticketrush run`?)")
                throw ExitCode(2)
            }
            do {
                parts.append(try RunResults.read(data))
            } catch {
                printError("\(path):1:1: error: cannot read: \(error)")
                throw ExitCode(2)
            }
        }
        if let problem = MergeInputs.problem(parts, folders: folders) {
            printError("ticketrush: error: \(problem)")
            throw ExitCode(2)
        }
        if let shard = MergeInputs.overlap(reports: reports, folders: folders) {
            printError("ticketrush: error: --reports \(reports) is the shard folder \(shard); merging into it would overwrite that shard: choose another folder")
            throw ExitCode(2)
        }
        let outputs: ReportFiles.Outputs
        do {
            outputs = try ReportFiles.Outputs.prepare(reports: reports, junit: junit, events: nil)
        } catch {
            printError("ticketrush: error: \(error.description)")
            throw ExitCode(error.interrupted ? 130 : 3)
        }
        let merged: RunResults
        do {
            merged = try RunResults.merge(parts)
        } catch {
            printError("ticketrush: error: \(error.description)")
            throw ExitCode(2)
        }
        do {
            try ReportFiles.write(merged, to: outputs)
        } catch {
            printError("ticketrush: error: reports not written (the previous ones are untouched): \(error.description)")
            throw ExitCode(3)
        }
        let status = ReportFiles.printSummary(merged, quiet: quiet, reports: reports, junit: junit)
        CISupport.emit(merged, format: format)
        if status != 0 { throw ExitCode(status) }
    }
}
