/// `text` with control characters shown as `\u001b` escapes, for a terminal or a CI log:
/// a name may carry escape sequences, a line break or a bidi control (U+202E turns the
/// rest of a line around), which must neither restyle the terminal, start a line of its
/// own (a `::error` workflow command) nor reorder what is shown. A tab is harmless and
/// stays (engine messages indent with tabs) unless `keepTabs` is false.
public func visible(_ text: String, keepTabs: Bool = true) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0) && !(keepTabs && $0 == "\t") }) else { return text }
    var out = ""
    for s in text.unicodeScalars {
        if isControl(s) && !(keepTabs && s == "\t") {
            let hex = String(s.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
            out.unicodeScalars.append(s)
        }
    }
    return out
}

/// C0, DEL, C1, the Unicode line and paragraph separators, and the bidi controls.
private func isControl(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029 || isBidiControl(s)
}

/// The bidirectional formatting characters (Trojan Source, CVE-2021-42574): marks,
/// embeddings, overrides and isolates. Shown as escapes wherever text reaches a reader.
public func isBidiControl(_ s: Unicode.Scalar) -> Bool {
    s.value == 0x061C || s.value == 0x200E || s.value == 0x200F
        || (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
}

/// GitHub Actions workflow commands (`::error file=…::message`): the escaping GitHub's
/// toolkit applies, so no text can end a command or start a new one.
public enum GitHubCommand {
    /// `%`, CR and LF escaped; in a property (`file=`, `title=`) also `:` and `,`.
    public static func escape(_ text: String, property: Bool) -> String {
        var out = text.replacingAll("%", with: "%25").replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A")
        if property { out = out.replacingAll(":", with: "%3A").replacingAll(",", with: "%2C") }
        return out
    }
}
