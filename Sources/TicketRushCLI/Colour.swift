import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `--color`: when the terminal summary is coloured (PASS green, FAIL red, …).
enum ColorChoice: String, CaseIterable, ExpressibleByArgument {
    /// On when the stream is a terminal, NO_COLOR is unset or empty (https://no-color.org)
    /// and TERM is not `dumb`.
    case auto
    case always
    case never

    static let help = ArgumentHelp(
        "auto (colour when the output is a terminal, NO_COLOR is unset or empty and TERM is not dumb), always, or never.",
        valueName: "when")

    /// Whether lines written to `fd` (1 or 2) get colour; `--color always` wins over NO_COLOR,
    /// as no-color.org asks of a command-line argument.
    func enabled(fd: Int32) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let value = getenv("NO_COLOR"), value.pointee != 0 { return false }
            if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
            return isatty(fd) != 0
        }
    }
}

/// Paints the leading mark of a summary line and the severity of a diagnostic; the text
/// itself is unchanged, so a coloured line reads the same with the escapes removed.
struct Palette {
    var out: Bool
    var err: Bool

    init(_ choice: ColorChoice) {
        out = choice.enabled(fd: 1)
        err = choice.enabled(fd: 2)
    }

    static let marks: [(String, String)] = [("PASS", "32"), ("FAIL", "31"), ("UNKNOWN", "35"), ("PENDING", "33"), ("SKIP", "33")]

    func paint(out line: String) -> String {
        guard out else { return line }
        // `PASS  cell …` lines, and the closing block's `FAIL cell :: expectation` ones.
        for (mark, code) in Self.marks where line.hasPrefix(mark + " ") {
            return sgr(code + ";1", mark) + line.dropFirst(mark.count)
        }
        if line.hasPrefix("ticketrush: "), line.contains("expectations met") {
            let bad = line.contains(" not") || line.contains("INCOMPLETE")
            return sgr(bad ? "31;1" : "32;1", line)
        }
        return severity(line)  // validate's `path:line:col: error: …` go to stdout
    }

    func paint(err line: String) -> String {
        err ? severity(line) : line
    }

    /// `error:` red, `warning:` yellow, `note:` cyan: the first one in the line.
    private func severity(_ line: String) -> String {
        for (word, code) in [("error:", "31;1"), ("warning:", "33;1"), ("note:", "36")] {
            if let range = line.firstRange(of: " \(word) ") ?? (line.hasPrefix(word + " ") ? line.firstRange(of: word + " ") : nil) {
                let start = line[range].hasPrefix(" ") ? line.index(after: range.lowerBound) : range.lowerBound
                let end = line.index(start, offsetBy: word.count)
                return String(line[..<start]) + sgr(code, String(line[start..<end])) + line[end...]
            }
        }
        return line
    }

    private func sgr(_ code: String, _ text: String) -> String { "\u{1B}[\(code)m\(text)\u{1B}[0m" }
}
