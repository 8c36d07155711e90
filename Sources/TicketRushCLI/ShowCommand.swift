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

    @Option(name: [.customShort("k"), .long], help: ArgumentHelp(
        "Show only the scenarios whose name contains PATTERN, or, with * or ?, matches it whole. Repeat to keep what any keeps.",
        valueName: "pattern"))
    var filter: [String] = []

    func run() throws {
        let files: [String]
        do { files = try ScenarioFiles.expand(paths) } catch {
            printError(DiagnosticOutput.text(error.items, fd: 2))
            throw ExitCode(2)
        }
        var problems: [Diagnostic] = []
        var parts: [String] = []
        var names: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(Diagnostic(at: SourceLocation(path: file, line: 1, column: 1), "no such file or not readable"))
                continue
            }
            var (documents, diagnostics) = ScenarioLoader().inspect(data: data, path: file)
            if diagnostics.contains(where: { $0.severity == .error }) {
                problems += diagnostics.filter { $0.severity == .error }
                continue
            }
            names += documents.map(\.scenario.name)
            documents.removeAll { !NameFilter.keeps(filter, name: $0.scenario.name, label: nil) }
            if documents.isEmpty { continue }
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
        if parts.isEmpty, !filter.isEmpty {
            printError("ticketrush: error: " + NameFilter.nothingKept(filter, names: names))
            throw ExitCode(2)
        }
        print(parts.joined(separator: "---\n"), terminator: "")
    }
}
