import TicketRushEngines
import TicketRushModel

/// The "Environment:" paragraph of `run --help`: every variable a user or a CI engine sets
/// for the binary, from the one list (EnvironmentVariables, and the engines' client overrides).
enum EnvironmentHelp {
    static var text: String {
        let shown = EnvironmentVariables.everything.filter { $0.audience == .user || $0.audience == .ci }
        return "Environment (docs/environment.md):\n" + shown.map { "  \($0.name): \($0.meaning.replacingBackticks)" }.joined(separator: "\n")
    }
}

private extension String {
    var replacingBackticks: String { String(filter { $0 != "`" }) }
}
