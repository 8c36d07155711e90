import ArgumentParser
import Foundation
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

    @Argument(help: "A scenario file.")
    var path: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("\(path):1:1: error: no such file or not readable")
            throw ExitCode(2)
        }
        let (documents, diagnostics) = ScenarioLoader().inspect(data: data, path: path)
        if diagnostics.contains(where: { $0.severity == .error }) {
            printError(DiagnosticOutput.text(diagnostics, fd: 2))
            throw ExitCode(2)
        }
        do {
            print(try ScenarioYAML.text(documents), terminator: "")
        } catch {
            printError("ticketrush: error: cannot write YAML: \(error)")
            throw ExitCode(3)
        }
    }
}
