import TicketRushModel
/// Diagnostics as people read them: `path:line:column: error: message`, optionally with the
/// offending line and a caret under the column, as compilers print on a terminal.
package enum DiagnosticText {
    /// One diagnostic; `source` is the file's text when an excerpt is wanted.
    package static func render(_ d: Diagnostic, source: String?) -> String {
        guard let source, let line = line(d.location.line, of: source) else { return d.description }
        // The caret keeps the line's tabs and spans wide (CJK) characters twice, so it lines up
        // on a terminal; columns count Unicode scalars, as libyaml does.
        let lead = line.unicodeScalars.prefix(max(0, d.location.column - 1))
            .map { $0 == "\t" ? "\t" : (isWide($0) ? "  " : " ") }.joined()
        return "\(d.description)\n\(line)\n\(lead)^"
    }

    /// East Asian wide and fullwidth ranges (and emoji): two terminal cells each.
    package static func isWide(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Line `number` (1-based) of `text`, without its line break; nil past the end.
    package static func line(_ number: Int, of text: String) -> String? {
        let lines = text.sourceLines
        return number >= 1 && number <= lines.count ? String(lines[number - 1]) : nil
    }

    /// The commands the files run, one note each, and what that means; none when none.
    package static func commands(_ report: ValidationReport) -> [String] {
        let commands = report.commands
        guard !commands.isEmpty else { return [] }
        return commands.map { visible($0.description) } + [
            "\(commands.count) command\(commands.count == 1 ? "" : "s") above run\(commands.count == 1 ? "s" : "") when these files run: a scenario file is code; run only files you trust (docs/programs.md, \"Trust model\")"
        ]
    }

    /// The closing line: "2 errors, 1 warning in 3 files".
    package static func summary(_ report: ValidationReport) -> String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        let scenarios = report.files.reduce(0) { $0 + $1.scenarios.count }
        return "\(count(report.errorCount, "error")), \(count(report.warningCount, "warning")) in \(count(report.files.count, "file")) (\(count(scenarios, "scenario")) loaded)"
    }
}

extension String {
    /// The lines as YAML counts them: "\n", "\r\n" and "\r" each end one.
    package var sourceLines: [Substring] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }
}
