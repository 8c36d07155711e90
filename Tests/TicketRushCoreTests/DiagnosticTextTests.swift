import XCTest
import TicketRushModel
import TicketRushFormat

final class DiagnosticTextTests: XCTestCase {
    func testCaretUnderTheColumnKeepingTabsAndCountingCharacters() {
        let source = "name: t\n\t路人: flok\r\nlast"
        let d = Diagnostic(at: SourceLocation(path: "f.yaml", line: 2, column: 5), "bad")
        // Tab kept; 路 and 人 take two cells each on a terminal.
        XCTAssertEqual(DiagnosticText.render(d, source: source), "f.yaml:2:5: error: bad\n\t路人: flok\n\t     ^")
    }

    func testNoExcerptWithoutSourceOrPastTheEnd() {
        let d = Diagnostic(.warning, at: SourceLocation(path: "f.yaml", line: 9, column: 1), "w")
        XCTAssertEqual(DiagnosticText.render(d, source: nil), "f.yaml:9:1: warning: w")
        XCTAssertEqual(DiagnosticText.render(d, source: "one line"), "f.yaml:9:1: warning: w")
    }
}
