import XCTest
import TicketRushChild

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

final class CountDocumentVersionTests: XCTestCase {
    func testOldDocumentsReadAsVersionZero() {
        let doc = CountDocument.parseVersioned(Array("{\"count\": 7}\n".utf8))
        XCTAssertEqual(doc?.count, 7)
        XCTAssertEqual(doc?.version, 0)
    }

    func testVersionedDocumentsRoundTrip() {
        let text = CountDocument.text(count: 3, version: 12)
        XCTAssertEqual(text, "{\"count\": 3, \"version\": 12}\n")
        let doc = CountDocument.parseVersioned(Array(text.utf8))
        XCTAssertEqual(doc?.count, 3)
        XCTAssertEqual(doc?.version, 12)
        XCTAssertEqual(CountDocument.parse(Array(text.utf8)), 3, "the plain parser still reads the count")
        XCTAssertEqual(CountDocument.parseVersioned(Array("{ \"version\" : 2 , \"count\":0 }".utf8))?.version, 2, "key order and spacing are free")
    }

    func testUnversionedTextStaysTheClassicDocument() {
        XCTAssertEqual(CountDocument.text(count: 1, version: nil), CountDocument.text(count: 1))
    }

    func testRejectsBadVersions() {
        for bad in ["{\"count\": 1, \"version\": 1, \"version\": 2}", "{\"count\": 1, \"version\": -1}",
                    "{\"count\": 1, \"version\": ", "{\"version\": 3}", "{\"count\": 1, \"version\": 01}"] {
            XCTAssertNil(CountDocument.parseVersioned(Array(bad.utf8)), bad)
        }
    }
}
