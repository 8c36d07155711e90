import XCTest
import TicketRushModel

/// `show` prints durations with `DurationText.format` and the loader reads them back with
/// `parse`: the two must agree on every duration a scenario can hold.
final class DurationPropertyTests: XCTestCase {
    /// Above 2^53 ns (about 104 days) a Double no longer holds every integer, and `parse`
    /// computes in Double; every duration below that must round-trip exactly.
    static let exact: Int64 = 1 << 53

    func testFormatThenParseIsTheIdentity() {
        var rng = SeededGenerator(seed: 53)
        let units: [Int64] = [1, 1_000, 1_000_000, 1_000_000_000, 60_000_000_000, 3_600_000_000_000]
        var samples: [Int64] = [0, 1, 999, 1_000, 1_001, 1_500_000, 59_000_000_000, 60_000_000_000, 3_600_000_000_000, Self.exact]
        for _ in 0..<2_000 {
            let unit = units.randomElement(using: &rng)!
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: samples.append(unit * Int64.random(in: 0...10_000, using: &rng))
            case 1: samples.append(unit * Int64.random(in: 0...(Self.exact / unit), using: &rng))
            default: samples.append(Int64.random(in: 0...Self.exact, using: &rng))
            }
        }
        for ns in samples {
            let text = DurationText.format(ns)
            XCTAssertEqual(DurationText.parse(text), ns, "\(ns) ns formats as \(text)")
            XCTAssertEqual(DurationText.format(DurationText.parse(text) ?? -1), text, "format is canonical")
        }
    }

    /// Any text `parse` accepts formats to a canonical text that parses to the same value.
    func testParseThenFormatIsCanonical() {
        var rng = SeededGenerator(seed: 54)
        let suffixes = ["", "ns", "us", "µs", "ms", "s", "m", "h"]
        for _ in 0..<2_000 {
            let whole = Int.random(in: 0...100_000, using: &rng)
            let fraction = rng.chance(0.5) ? "" : "." + String(Int.random(in: 0...999, using: &rng))
            let space = rng.chance(0.2) ? " " : ""
            let text = "\(whole)\(fraction)\(space)\(suffixes.randomElement(using: &rng)!)"
            guard let ns = DurationText.parse(text) else {
                XCTFail("\(text) is a duration")
                continue
            }
            XCTAssertGreaterThanOrEqual(ns, 0)
            XCTAssertEqual(DurationText.parse(DurationText.format(ns)), ns, text)
        }
    }

    func testNegativeAndNonNumbersAreNotDurations() {
        for text in ["-1s", "-0.5", "1e3s", "inf", "nan", "s", ".", "..5s", "1.2.3ms", "", " ", "1 s s", "0x10s", "+1s"] {
            XCTAssertNil(DurationText.parse(text), text)
        }
    }
}
