import Foundation
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// Writes a run's reports and prints its terminal summary; shared by `run` and `merge`.
enum ReportFiles {
    static func write(_ results: RunResults, to folder: String, junit: String?) throws {
        let cells = results.cells
        try write(JUnitReport.xml(cells.map(\.report), incomplete: results.incomplete), to: junit ?? "\(folder)/junit.xml")
        try write(ResultsCSV.text(results), to: "\(folder)/results.csv")
        try write(SummaryJSON.text(results), to: "\(folder)/summary.json")
        try write(HTMLReport.html(results), to: "\(folder)/index.html")
        let data = try results.json()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: "\(folder)/trials.json"))
    }

    /// Prints a line (and statistics) per cell and the closing line; returns the exit status.
    static func printSummary(_ results: RunResults, quiet: Bool, reports: String, junit: String?) -> Int32 {
        let cells = results.cells
        for c in cells {
            if !quiet || c.report.mark != "PASS" { say(TerminalSummary.line(c.report)) }
            if !quiet { for line in CellSummary.lines(c) { say(line) } }
            for line in TerminalSummary.details(c.report) { say(line) }
        }
        for line in Unmet.shortSummary(results) { print(line) }
        print(TerminalSummary.total(cells.map(\.report), incomplete: results.incomplete))
        if !quiet { print("Reports: \(reports)/ (junit: \(junit ?? "\(reports)/junit.xml"))") }
        return results.passed ? 0 : 1
    }

    /// A summary line stays one line whatever a scenario name holds: a newline in a name
    /// must not start a line (a CI log reads `::command::` at a line start).
    private static func say(_ line: String) { print(Unmet.visible(line)) }

    static func write(_ text: String, to path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
