import XCTest
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

    func testNothingAfterNulIsLost() {
        XCTAssertTrue(XMLEscaper.escape("before\u{0}after-the-nul").hasSuffix("after-the-nul"))
    }
}
