import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushApp
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print scenarios as the runner will run them: every default filled in, durations normalised.",
        discussion: "The output is itself a scenario file that loads back to the same scenarios.")

    @Argument(help: "Scenario files, or folders searched for *.yaml and *.yml.")
    var paths: [String]

    func run() throws {
        let files: [String]
        do { files = try ScenarioFiles.expand(paths) } catch {
            printError(DiagnosticOutput.text(error.items, fd: 2))
            throw ExitCode(2)
        }
        var problems: [Diagnostic] = []
        var parts: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(Diagnostic(at: SourceLocation(path: file, line: 1, column: 1), "no such file or not readable"))
                continue
            }
            let (documents, diagnostics) = ScenarioLoader().inspect(data: data, path: file)
            if diagnostics.contains(where: { $0.severity == .error }) {
                problems += diagnostics.filter { $0.severity == .error }
                continue
            }
            do {
                // Several files: each one's scenarios under a comment naming it, still one YAML stream.
                let text = try ScenarioYAML.text(documents)
                parts.append(files.count > 1 ? "# \(file)\n" + text : text)
            } catch {
                printError("ticketrush: error: cannot write YAML: \(error)")
                throw ExitCode(3)
            }
        }
        if !problems.isEmpty {
            printError(DiagnosticOutput.text(problems, fd: 2))
            throw ExitCode(2)
        }
        print(parts.joined(separator: "---\n"), terminator: "")
    }
}
