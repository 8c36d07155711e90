import ArgumentParser

/// `ticketrush dry-parse ARGS…` (hidden): parses ARGS as a ticketrush command line, running
/// each command's own validation, and runs nothing. The docs' command lines are checked with
/// it (DocsCommandLineTests), so a documented flag that does not exist fails a test.
struct DryParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dry-parse",
        abstract: "Parse a ticketrush command line without running it (exit 0 parses, 2 does not).",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The arguments after `ticketrush`.")
    var arguments: [String] = []

    func run() throws {
        do {
            let command = try TicketRush.parseAsRoot(arguments)
            print("parses: \(String(describing: type(of: command)))")
        } catch {
            // --help and --version parse (they exit 0 when run).
            if TicketRush.exitCode(for: error) == .success { return print("parses: help") }
            printError(TicketRush.fullMessage(for: error))
            throw ExitCode(2)
        }
    }
}
