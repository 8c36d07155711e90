/// `text` with control characters shown as `\u001b` escapes, for a terminal or a CI log:
/// a name may carry escape sequences or a line break, which must neither restyle the
/// terminal nor start a line of its own (a `::error` workflow command). Tabs stay when
/// `keepTabs` (source excerpts line up on them).
public func visible(_ text: String, keepTabs: Bool = false) -> String {
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

/// C0, DEL, C1, and the Unicode line and paragraph separators.
private func isControl(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
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
