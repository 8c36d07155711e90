import XCTest
@testable import TicketRushCore

final class CountDocumentTests: XCTestCase {
    func testParsesWhatBuyersWrite() {
        XCTAssertEqual(CountDocument.parse(Array(CountDocument.text(count: 42).utf8)), 42)
    }

    func testRejectsTornDocuments() {
        for torn in ["", "{", "{\"count\": ", "{\"count\": 4", "{\"cou", "{\"count\": 1}{\"count\": 2}", "{}", "{\"count\": 007}"] {
            XCTAssertNil(CountDocument.parse(Array(torn.utf8)), torn)
        }
    }
}
