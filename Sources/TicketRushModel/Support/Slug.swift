/// A file-name-safe form of a scenario name (keeps letters of any script): the name of its
/// folder under the work and events folders. A name that had to change gets a short hash of
/// the original, so "rush a" and "rush_a" never share a folder. Shell glob characters
/// (`[`, `]`, `*`, `?`) become `_` too: a sweep cell's folder can be typed unquoted.
public func slug(_ name: String) -> String {
    var changed = false
    var mapped = String.UnicodeScalarView()
    for (i, s) in name.unicodeScalars.enumerated() {
        if s == "/" || s == "\\" || s == ":" || s.value < 0x20 || s.value == 0x7F || s == " " || s == "[" || s == "]" || s == "*" || s == "?" || (i == 0 && s == ".") {
            mapped.append("_")
            changed = true
        } else {
            mapped.append(s)
        }
    }
    let text = String(mapped)
    if text.isEmpty { return "_" }
    guard changed else { return text }
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let hex = String(h >> 32, radix: 16)
    return "\(text)-\(String(repeating: "0", count: 8 - hex.count))\(hex)"
}

/// The longest file name Linux file systems take (NAME_MAX), in bytes.
public let fileNameMax = 255
/// The longest path the kernel takes (PATH_MAX), in bytes, with its NUL.
public let pathMax = 4096
