import ArgumentParser
import CTicketRush
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushApp
import TicketRushModel

/// The command line: a thin layer over the TicketRush targets. Two executables run it
/// (Sources/ticketrush, Sources/ticketrush-engines: the same tool, linked two ways).
package struct TicketRush: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "ticketrush",
        abstract: "Fork real buyer processes at one ticket store and judge what they did.",
        discussion: """
            Exit codes: 0 every expectation met; 1 some invariant differs from its expectation; \
            2 bad usage or scenario file; 3 the runner itself failed; 130 interrupted.
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, ValidateCommand.self, ShowCommand.self, SchemaCommand.self, NewCommand.self, MergeCommand.self, FanoutCommand.self,
                      DryParseCommand.self])

    package init() {}

    /// Runs synchronously (no async main: the runner forks and must stay single-threaded)
    /// and maps usage errors to exit code 2.
    package static func main() {
        // Closed std streams get /dev/null; SIGPIPE is ignored: printing never kills a run.
        tr_prepare_standard_streams()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            Terminal.writeError(fullMessage(for: error) + "\n")
            Glibc.exit(status == .validationFailure ? 2 : status.rawValue)
        }
    }
}

/// Writes a line to standard error (fd 2); a closed or full stderr is not an error.
func printError(_ text: String) {
    Terminal.writeError(printable(text) + "\n")
}

/// Each line of `text` with its control characters made visible.
func printable(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { visible(String($0)) }.joined(separator: "\n")
}

extension OutputFormat: ExpressibleByArgument {}

extension Console {
    /// Standard output by `print`, standard error by `Terminal` (never traps).
    static var terminal: Console { Console(out: { print($0) }, err: { Terminal.writeError($0) }) }
}

/// Prints an app outcome's lines (coloured as `color` says) and ends with its exit code (0: returns).
func finish(_ outcome: Outcome, color: ColorChoice = .never) throws {
    let palette = Palette(color)
    for line in outcome.lines {
        switch line.stream {
        case .out: print(palette.paint(out: line.text))
        case .err: Terminal.writeError(palette.paint(err: printable(line.text)) + "\n")
        }
    }
    if outcome.code != 0 { throw ExitCode(outcome.code) }
}
