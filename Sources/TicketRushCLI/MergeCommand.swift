import ArgumentParser
import TicketRushApp
import TicketRushReports

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the reports of shards (run --shard K/N) into what one unsharded run writes.",
        discussion: """
            Reads DIR/trials.json of each shard, checks the shards are 1/N … N/N of one run (same scenarios and seeds, \
            no trial twice), and writes \(ReportFormats.fileList) to --reports. \
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

    @Option(name: [.customShort("k"), .long], help: ArgumentHelp(
        "Judge and report only the cells whose name contains PATTERN, or, with * or ?, matches it whole (or the cell's label). Repeat to keep what any keeps.",
        valueName: "pattern"))
    var filter: [String] = []

    @Option(help: ColorChoice.help)
    var color: ColorChoice = .auto

    func run() throws {
        var o = MergeApp.Options(folders: folders)
        (o.reports, o.junit, o.quiet, o.format, o.filter) = (reports, junit, quiet, format, filter)
        try finish(MergeApp.run(o, console: .terminal), color: color)
    }
}
