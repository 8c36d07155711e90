import TicketRushModel
/// `ticketrush validate --format github`: GitHub Actions workflow commands, so findings
/// show as annotations on the pull request's lines.
package enum DiagnosticGitHub {
    package static func lines(_ report: ValidationReport) -> [String] {
        report.all.map { d in
            line(d.severity.rawValue, d.location, d.message + (d.rule.map { " [\($0)]" } ?? ""))
        } + report.commands.map { c in
            line("notice", c.location, String(c.description.dropFirst("\(c.location): note: ".count)))
        }
    }

    private static func line(_ kind: String, _ at: SourceLocation, _ text: String) -> String {
        // Control characters are shown as \u001b first: a line break in a name never reaches the log.
        let message = escape(visible(text), property: false)
        return "::\(kind) file=\(escape(visible(at.path), property: true)),line=\(at.line),col=\(at.column),title=ticketrush validate::\(message)"
    }

    package static func escape(_ text: String, property: Bool) -> String { GitHubCommand.escape(text, property: property) }
}
