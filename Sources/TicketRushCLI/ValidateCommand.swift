import ArgumentParser
import Foundation
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files without running them.",
        discussion: """
            Reports every problem of every file as path:line:column: error|warning: message. \
            Exit codes: 0 no errors (warnings allowed unless --strict); 1 warnings only, with --strict; 2 errors.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, github }

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
        var report = ScenarioValidator.validate(paths, stdin: stdin, stdinName: stdinName)
        if stdin == nil {
            for d in EngineCheck.problems(paths) {
                if let i = report.files.firstIndex(where: { $0.path == d.location.path }) { report.files[i].diagnostics.append(d) }
                else { report.pathProblems.append(d) }
            }
        }
        let known = stdin.map { [stdinName: String(decoding: $0, as: UTF8.self)] } ?? [:]
        let code = report.exitCode(strict: strict)
        switch format {
        case .json:
            print(DiagnosticJSON.text(report, strict: strict))
        case .github:
            for line in DiagnosticGitHub.lines(report) { print(visible(line)) }
            print(DiagnosticText.summary(report))
        case .text:
            if !report.all.isEmpty { print(DiagnosticOutput.text(report.all, excerpts: excerpts, fd: 1, known: known)) }
            print(DiagnosticText.summary(report))
        }
        if code != 0 { throw ExitCode(code) }
    }
}
