import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// One line/column model: "\n", "\r\n" and a lone "\r" each end a line; columns count scalars.
final class SourceTextTests: XCTestCase {
    func testBreaksAndColumns() {
        let text = "a\r\nb\rc\nd"
        let at = { (offset: Int) in SourceText.location(scalarOffset: offset, in: text, path: "f") }
        XCTAssertEqual([at(0).line, at(0).column], [1, 1])
        XCTAssertEqual([at(3).line, at(3).column], [2, 1], "after \\r\\n")
        XCTAssertEqual([at(5).line, at(5).column], [3, 1], "after a lone \\r")
        XCTAssertEqual([at(7).line, at(7).column], [4, 1])
        // Columns are scalars: "é" written as e + combining accent is two.
        let accents = "e\u{301}x"
        XCTAssertEqual(SourceText.location(of: "x", in: accents, path: "f").column, 3)
        XCTAssertEqual(SourceText.location(of: "x", in: "路人x", path: "f").column, 3)
    }

    func testInvalidUTF8AndNULAreLocatedLikeYAMLErrors() throws {
        var bytes = Array("name: a\r\ntickets: 1\r\nbuyers: ".utf8)
        bytes.append(0xFF)
        let invalid = SourceText.firstInvalidUTF8(bytes, path: "f")
        XCTAssertEqual([invalid.line, invalid.column], [3, 9])
        let loader = ScenarioLoader()
        let (_, found) = loader.check(data: Data(bytes), path: "f")
        XCTAssertEqual(found.first?.location, SourceLocation(path: "f", line: 3, column: 9))
        let nul = loader.check(data: Data("name: a\r\nti\u{0}ckets: 1\n".utf8), path: "f").diagnostics.first
        XCTAssertEqual(nul?.location, SourceLocation(path: "f", line: 2, column: 3))
        // A CRLF file's YAML error lands on the same line the model counts.
        let crlf = loader.check(data: Data("name: a\r\ntickets: 1\r\nbuyers: 2\r\nlock_mode: x\r\n".utf8), path: "f").diagnostics
        XCTAssertEqual(crlf.first?.location.line, 4, "\(crlf)")
    }
}
