import XCTest
import TicketRushChild

/// What a reader can see of a document an in-place writer is halfway through: a prefix.
/// A prefix must never pass for a different count, or torn reads would go uncounted.
final class CountDocumentPropertyTests: XCTestCase {
    private func counts(_ rng: inout SeededGenerator) -> [Int] {
        // Small counts (what scenarios hold), every digit length, and the extremes.
        var counts = [0, 1, 9, 10, 99, 100, -1, Int.max, Int.min + 1]
        for _ in 0..<300 {
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: counts.append(Int.random(in: 0...1_000, using: &rng))
            case 1: counts.append(Int.random(in: 0...Int.max, using: &rng) >> Int.random(in: 0..<63, using: &rng))
            default: counts.append(Int.random(in: (Int.min + 1)...Int.max, using: &rng))
            }
        }
        return counts
    }

    /// The whole document parses back; every strict prefix that stops before the closing
    /// brace is torn (nil); the one prefix that lacks only the trailing newline is a complete
    /// document and reads the same count. No prefix ever reads as another value.
    func testEveryStrictPrefixOfAWrittenDocumentIsTorn() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        for count in counts(&rng) {
            let text = Array(CountDocument.text(count: count).utf8)
            XCTAssertEqual(CountDocument.parse(text), count)
            XCTAssertEqual(text.last, UInt8(ascii: "\n"))
            for n in 0..<text.count {
                let parsed = CountDocument.parse(text[0..<n])
                if n == text.count - 1 {
                    XCTAssertEqual(parsed, count, "the document without its newline is still that document")
                } else {
                    XCTAssertNil(parsed, "prefix of \(n) bytes of \(String(decoding: text, as: UTF8.self)) parsed as \(parsed ?? 0)")
                }
            }
        }
    }

    func testEveryStrictPrefixOfAVersionedDocumentIsTorn() {
        var rng = SeededGenerator(seed: 0xBEEF)
        for count in counts(&rng) {
            let version: Int? = rng.chance(0.2) ? nil : Int.random(in: 0...Int.max, using: &rng) >> Int.random(in: 0..<63, using: &rng)
            let text = Array(CountDocument.text(count: count, version: version).utf8)
            let whole = CountDocument.parseVersioned(text)
            XCTAssertEqual(whole?.count, count)
            XCTAssertEqual(whole?.version, version ?? 0, "no version reads as version 0")
            XCTAssertEqual(CountDocument.parse(text), count)
            for n in 0..<(text.count - 1) {
                XCTAssertNil(CountDocument.parseVersioned(text[0..<n]),
                             "prefix of \(n) bytes of \(String(decoding: text, as: UTF8.self)) parsed")
            }
            XCTAssertEqual(CountDocument.parseVersioned(text.dropLast())?.count, count)
        }
    }

    /// |Int.min| > Int.max: the parser accumulates toward the sign, so the extremes round-trip
    /// and one past them is refused.
    func testIntMinRoundTrip() throws {
        XCTAssertEqual(CountDocument.parse(Array(CountDocument.text(count: Int.min).utf8)), Int.min)
        XCTAssertEqual(CountDocument.parse(Array(CountDocument.text(count: Int.max).utf8)), Int.max)
        XCTAssertNil(CountDocument.parse(Array(#"{"count": -9223372036854775809}"#.utf8)))
        XCTAssertNil(CountDocument.parse(Array(#"{"count": 9223372036854775808}"#.utf8)))
    }
}
