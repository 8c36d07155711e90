import TicketRushModel
/// `ticketrush validate --format github`: GitHub Actions workflow commands, so findings
/// show as annotations on the pull request's lines.
public enum DiagnosticGitHub {
    public static func lines(_ report: ValidationReport) -> [String] {
        report.all.map { d in
            // Control characters are shown as \u001b first: a line break in a name never reaches the log.
            let message = escape(visible(d.message + (d.rule.map { " [\($0)]" } ?? "")), property: false)
            return "::\(d.severity.rawValue) file=\(escape(visible(d.location.path), property: true)),line=\(d.location.line),col=\(d.location.column),title=ticketrush validate::\(message)"
        }
    }

    package static func escape(_ text: String, property: Bool) -> String { GitHubCommand.escape(text, property: property) }
}
