#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One report a run writes: its name, its file in the reports folder, what it holds, and
/// how it is rendered from the results.
package struct ReportFormat: Sendable {
    package var name: String
    package var file: String
    /// One line for `run --help` and the table of docs/results.md.
    package var help: String
    package var render: @Sendable (RunResults) throws -> [UInt8]

    package init(name: String, file: String, help: String, render: @escaping @Sendable (RunResults) throws -> [UInt8]) {
        self.name = name
        self.file = file
        self.help = help
        self.render = render
    }
}

/// Every report, registered once: the files written, `run --help`'s list and the table in
/// docs/results.md all come from here. A new format is its renderer's file and a line here.
package enum ReportFormats {
    /// `junit` is the one `--junit PATH` can move out of the reports folder.
    package static let junit = "junit"

    package static let all: [ReportFormat] = [
        ReportFormat(name: junit, file: "junit.xml",
                     help: "one testsuite per scenario or sweep cell, one testcase per invariant (`--junit PATH` moves it)") {
            Array(JUnitReport.xml($0.cells.map(\.report), incomplete: $0.incomplete).utf8)
        },
        ReportFormat(name: "csv", file: "results.csv", help: "one row per trial") { Array(ResultsCSV.text($0).utf8) },
        ReportFormat(name: "summary", file: "summary.json",
                     help: "per cell: counts, rates with 95% Wilson intervals, throughput, latency, lock time") {
            Array(SummaryJSON.text($0).utf8)
        },
        ReportFormat(name: "html", file: "index.html",
                     help: "one self-contained page (nothing fetched; a few lines of inline script for the filter box)") {
            Array(HTMLReport.html($0).utf8)
        },
        ReportFormat(name: "isolation", file: "isolation.csv",
                     help: "session cases with `case:`: engine, version, isolation, case, outcome, how — Hermitage's table, measured (docs/isolation.md)") {
            Array(IsolationCSV.text($0).utf8)
        },
        ReportFormat(name: "trials", file: "trials.json",
                     help: "every trial's record, what `ticketrush merge` combines (format \(RunRecord.currentFormat), `RunRecord`)") {
            Array(try RunRecord($0).encoded())
        },
    ]

    /// "junit.xml, results.csv, … and trials.json", for help texts.
    package static var fileList: String {
        let files = all.map(\.file)
        return files.dropLast().joined(separator: ", ") + (files.count > 1 ? " and " : "") + (files.last ?? "")
    }

    /// The lines `run --help` lists the reports with.
    package static var helpLines: String {
        all.map { "  \($0.file): \(String($0.help.filter { $0 != "`" }))" }.joined(separator: "\n")
    }

    /// The table of docs/results.md (between its `reports:begin`/`reports:end` markers).
    package static var markdownTable: String {
        (["| file | what |", "|---|---|"] + all.map { "| `\($0.file)` | \($0.help) |" }).joined(separator: "\n")
    }
}
