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

    /// The escaping GitHub's toolkit applies to command data and properties.
    package static func escape(_ text: String, property: Bool) -> String {
        var out = text.replacingAll("%", with: "%25").replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A")
        if property { out = out.replacingAll(":", with: "%3A").replacingAll(",", with: "%2C") }
        return out
    }
}
