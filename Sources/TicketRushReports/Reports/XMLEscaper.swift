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
        // Byte by byte into a byte buffer: junit.xml's trial lines of a 2,000-schedule cell
        // are hundreds of kilobytes, and appending scalar by scalar to a String was most
        // of junit.xml's time (perf). The output is the scalar-by-scalar rule's, unchanged.
        var text = text
        return text.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + utf8.count / 8)
            var i = 0
            while i < utf8.count {
                let b = utf8[i]
                guard b >= 0x80 else {
                    ascii(b, into: &out)
                    i += 1
                    continue
                }
                // A String is valid UTF-8: the lead byte says how long the scalar is.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                var value = UInt32(b) & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F)
                for k in 1..<length { value = value << 6 | UInt32(utf8[i + k] & 0x3F) }
                // A bidi control would reorder the page's text (U+202E): shown, not applied.
                if isLegal(value), let scalar = Unicode.Scalar(value), !isBidiControl(scalar) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[i..<(i + length)]))
                } else {
                    visible(value, into: &out)
                }
                i += length
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func ascii(_ b: UInt8, into out: inout [UInt8]) {
        switch b {
        case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
        case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
        case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
        case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
        case UInt8(ascii: "'"): out.append(contentsOf: "&apos;".utf8)
        // Attribute values normalise raw tab and newline to spaces: keep them as references.
        case 0x09: out.append(contentsOf: "&#9;".utf8)
        case 0x0A: out.append(contentsOf: "&#10;".utf8)
        case 0x0D: out.append(contentsOf: "&#13;".utf8)
        case 0x20...0x7F: out.append(b)
        default: visible(UInt32(b), into: &out)
        }
    }

    /// What XML 1.0 cannot carry at all, as a visible `\u{XX}`.
    private static func visible(_ value: UInt32, into out: inout [UInt8]) {
        out.append(contentsOf: "\\u{\(String(value, radix: 16, uppercase: true))}".utf8)
    }

    /// XML 1.0's Char production.
    package static func isLegal(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v)
            || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
    }
}
