import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushApp
import TicketRushModel
import TicketRushFormat

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files without running them.",
        discussion: """
            Reports every problem of every file as path:line:column: error|warning: message, and every command \
            a scenario runs (buyers.command, program.command) as a note: a scenario file is code. \
            Exit codes: 0 no errors (warnings allowed unless --strict); 1 warnings only, with --strict; 2 errors.
            """)

    typealias Format = ValidateApp.Format

    @Argument(help: "Scenario files, folders searched for *.yaml and *.yml, or - for standard input.")
    var paths: [String] = ["scenarios"]

    @Option(help: "The name findings give standard input (an editor passes the buffer's path).")
    var stdinName = "<stdin>"

    @Option(help: "text; json for editors and CI (the shape is in docs/scenarios.md); github for GitHub Actions annotations.")
    var format: Format = .text

    @Flag(help: "Exit 1 when there are warnings (and no errors).")
    var strict = false

    @Flag(inversion: .prefixedNo, help: "Show the offending line with a caret (default: when stdout is a terminal).")
    var excerpts: Bool?

    @Option(help: ColorChoice.help)
    var color: ColorChoice = .auto

    func run() throws {
        var stdin: Data?
        if paths.contains(ScenarioValidator.stdinPath) {
            switch InputLimits.read(fd: 0) {
            case .success(let data): stdin = data
            case .failure(let unreadable):
                // Bounded: `validate - < /dev/zero` ends here instead of reading for ever.
                printError(visible("\(stdinName):1:1: error: standard input \(unreadable.why)"))
                throw ExitCode(2)
            }
        }
        var o = ValidateApp.Options()
        (o.paths, o.stdinName, o.format, o.strict, o.excerpts) = (paths, stdinName, format, strict, excerpts)
        try finish(ValidateApp.run(o, stdin: stdin, machine: stdin == nil ? EngineCheck.problems(paths) : []),
                   color: format == .text ? color : .never)
    }
}

extension ValidateApp.Format: ExpressibleByArgument {}
