/// Diagnostics as people read them: `path:line:column: error: message`, optionally with the
/// offending line and a caret under the column, as compilers print on a terminal.
public enum DiagnosticText {
    /// One diagnostic; `source` is the file's text when an excerpt is wanted.
    public static func render(_ d: Diagnostic, source: String?) -> String {
        guard let source, let line = line(d.location.line, of: source) else { return d.description }
        // The caret keeps the line's tabs so it lines up under them; columns count characters.
        let lead = line.unicodeScalars.prefix(max(0, d.location.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return "\(d.description)\n\(line)\n\(lead)^"
    }

    /// Line `number` (1-based) of `text`, without its line break; nil past the end.
    static func line(_ number: Int, of text: String) -> String? {
        let lines = text.sourceLines
        return number >= 1 && number <= lines.count ? String(lines[number - 1]) : nil
    }

    /// The closing line: "2 errors, 1 warning in 3 files".
    public static func summary(_ report: ValidationReport) -> String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        let scenarios = report.files.reduce(0) { $0 + $1.scenarios.count }
        return "\(count(report.errorCount, "error")), \(count(report.warningCount, "warning")) in \(count(report.files.count, "file")) (\(count(scenarios, "scenario")) loaded)"
    }
}

extension String {
    /// The lines as YAML counts them: "\n", "\r\n" and "\r" each end one.
    var sourceLines: [Substring] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }
}
