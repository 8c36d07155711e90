import XCTest
@testable import TicketRushReports

/// results.csv's cells: the byte look that lets most through untouched gives what the
/// Character rule gives, for every kind of first, last and inner character.
final class CSVFieldTests: XCTestCase {
    /// The rule as it was written before the fast path.
    private func reference(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isNumber(text) { text = "'" + text }
        let needs = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || text.first == " " || text.last == " "
        return needs ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private func isNumber(_ text: String) -> Bool {
        let body = text.drop { $0 == "-" || $0 == "+" }
        return text.count - body.count == 1 && !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            && body.filter { $0 == "." }.count <= 1 && body != "."
    }

    func testTheFastPathGivesTheCharacterRulesCells() {
        let pieces = ["", "a", "3", "-3", "+3.5", "-", ".", " ", ",", "\"", "\n", "\r", "\r\n", "\t", "=", "@", "é", "\u{301}", " \u{301}",
                      "路", "🎟️", "S1.eff6a794.2212", "holds", "0.480", "x y", "'"]
        var checked = 0
        for a in pieces {
            for b in pieces {
                for c in ["", "z", " ", "\u{301}"] {
                    let text = a + b + c
                    XCTAssertEqual(ResultsCSV.field(text), reference(text), text.debugDescription)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 2_000)
    }
}
