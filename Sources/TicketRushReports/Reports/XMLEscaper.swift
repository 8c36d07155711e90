import TicketRushModel
import TicketRushChecks
/// Escapes text for XML 1.0 by hand: Foundation's XML writer emits control characters raw
/// (invalid XML) and cuts text at NUL.
package enum XMLEscaper {
    /// Text content or an attribute value (quotes escaped too).
    ///
    /// Characters XML 1.0 cannot carry at all (NUL, most C0 controls, U+FFFE, U+FFFF,
    /// lone surrogates) become a visible `\u{XX}` so nothing is lost silently.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // Attribute values normalise raw tab and newline to spaces: keep them as references.
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                // A bidi control would reorder the page's text (U+202E): shown, not applied.
                if isLegal(scalar.value), !isBidiControl(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                }
            }
        }
        return out
    }

    /// XML 1.0's Char production.
    package static func isLegal(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v)
            || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
    }
}
