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
        var current = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == number { return String(line.hasSuffix("\r") ? line.dropLast() : line) }
            current += 1
        }
        return nil
    }

    /// The closing line: "2 errors, 1 warning in 3 files".
    public static func summary(_ report: ValidationReport) -> String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        let scenarios = report.files.reduce(0) { $0 + $1.scenarios.count }
        return "\(count(report.errorCount, "error")), \(count(report.warningCount, "warning")) in \(count(report.files.count, "file")) (\(count(scenarios, "scenario")) loaded)"
    }
}
