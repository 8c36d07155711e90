import XCTest
import TicketRushModel
import TicketRushReports

final class XMLEscaperTests: XCTestCase {
    func testTableOfEscapes() {
        let cases: [(String, String)] = [
            ("plain", "plain"),
            ("a & b", "a &amp; b"),
            ("<tag>", "&lt;tag&gt;"),
            ("say \"hi\" it's", "say &quot;hi&quot; it&apos;s"),
            ("tab\there", "tab&#9;here"),
            ("line\nbreak\r", "line&#10;break&#13;"),
            ("nul\u{0}after", "nul\\u{0}after"),
            ("bell\u{7}esc\u{1B}", "bell\\u{7}esc\\u{1B}"),
            ("路人3 bought", "路人3 bought"),
            ("emoji 🎟️", "emoji 🎟️"),
            ("\u{FFFE}\u{FFFF}", "\\u{FFFE}\\u{FFFF}"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(XMLEscaper.escape(input), expected, "escaping \(input.debugDescription)")
        }
    }

    /// The rule scalar by scalar, as escape was written before it went byte by byte.
    private func reference(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                if XMLEscaper.isLegal(scalar.value), !isBidiControl(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                }
            }
        }
        return out
    }

    /// Every scalar of one, two, three and four UTF-8 bytes at the edges, the bidi controls,
    /// the non-characters, and mixed text: the same as the scalar-by-scalar rule.
    func testByteByByteEqualsTheScalarRule() {
        var scalars = (0..<0x3000).compactMap(Unicode.Scalar.init)
        scalars += [0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F39F, 0x10FFFF].compactMap(Unicode.Scalar.init)
        for s in scalars {
            let text = "a" + String(Character(s)) + "z"
            XCTAssertEqual(XMLEscaper.escape(text), reference(text), "U+\(String(s.value, radix: 16))")
        }
        let mixed = "trial 1 schedule S1.2.3 seed 9: sold 2/1, final 0 — é\u{301} 路人 🎟️ \u{202E}x\u{2066} <&>\"'\t\r\n\u{1}\u{7F}"
        XCTAssertEqual(XMLEscaper.escape(mixed), reference(mixed))
        XCTAssertEqual(XMLEscaper.escape(String(repeating: mixed + "\n", count: 500)), reference(String(repeating: mixed + "\n", count: 500)))
        XCTAssertEqual(XMLEscaper.escape(""), "")
    }

    func testNothingAfterNulIsLost() {
        XCTAssertTrue(XMLEscaper.escape("before\u{0}after-the-nul").hasSuffix("after-the-nul"))
    }
}
