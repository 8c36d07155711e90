import XCTest
@testable import TicketRushModel
@testable import TicketRushReports

/// issue 19 item 15: bidi controls are shown, not applied, in terminal and HTML text; a tab
/// in an engine's message stays a tab.
final class VisibleTextTests: XCTestCase {
    func testBidiControlsAreEscapedForTheTerminal() {
        XCTAssertEqual(visible("buyer\u{202E}1gnp.exe"), "buyer\\u202e1gnp.exe")
        for v: UInt32 in [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] {
            let s = String(Unicode.Scalar(v)!)
            XCTAssertFalse(visible("a" + s + "b").unicodeScalars.contains(Unicode.Scalar(v)!), String(v, radix: 16))
        }
        // Letters of right-to-left scripts are text, not controls.
        XCTAssertEqual(visible("שלום مرحبا 路人"), "שלום مرحبا 路人")
    }

    func testATabStaysATab() {
        XCTAssertEqual(visible("ERROR:\tduplicate key\n\tDETAIL"), "ERROR:\tduplicate key\\u000a\tDETAIL")
        XCTAssertEqual(Unmet.visible("engine: setup:\tSQLSTATE 08006"), "engine: setup:\tSQLSTATE 08006")
        XCTAssertEqual(visible("a\tb", keepTabs: false), "a\\u0009b")
    }

    func testBidiControlsAreEscapedInHTMLAndXML() {
        let escaped = XMLEscaper.escape("buyer\u{202E}1 \u{2066}x\u{2069}")
        XCTAssertFalse(escaped.unicodeScalars.contains { isBidiControl($0) }, escaped)
        XCTAssertEqual(escaped, "buyer\\u{202E}1 \\u{2066}x\\u{2069}")
        XCTAssertEqual(HTMLReport.escape("路人\u{202E}"), "路人\\u{202E}")
    }
}
