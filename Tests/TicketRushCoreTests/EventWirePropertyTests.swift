import XCTest
import Foundation
import TicketRushModel

/// Buyers write 32-byte records and the runner decodes them: every field must survive.
final class EventWirePropertyTests: XCTestCase {
    private func randomEvent(_ rng: inout SeededGenerator) -> Event {
        Event(tNs: rng.next(),
              buyer: Int(UInt32.random(in: 0...UInt32.max, using: &rng)),
              task: Int(UInt32.random(in: 0...UInt32.max, using: &rng)),
              kind: EventKind.allCases.randomElement(using: &rng)!,
              value: Int64(bitPattern: rng.next()),
              aux: Int32.random(in: Int32.min...Int32.max, using: &rng),
              key: UInt16.random(in: 0...UInt16.max, using: &rng))
    }

    func testEncodeThenDecodeIsTheIdentity() {
        var rng = SeededGenerator(seed: 32)
        var record = [UInt8](repeating: 0xAA, count: EventWire.size)
        var edges = EventKind.allCases.map { Event(tNs: 0, buyer: 0, task: 0, kind: $0) }
        edges.append(Event(tNs: .max, buyer: Int(UInt32.max), task: Int(UInt32.max), kind: .error, value: .min, aux: .min))
        edges.append(Event(tNs: 1, buyer: 1, task: 1, kind: .keyWrite, value: 1, aux: 1, key: .max))
        for event in edges + (0..<5_000).map({ _ in randomEvent(&rng) }) {
            record.withUnsafeMutableBytes { EventWire.encode(event, into: $0.baseAddress!) }
            // Offset 26 is the key, little-endian (docs/events.md).
            XCTAssertEqual(UInt16(record[26]) | UInt16(record[27]) << 8, event.key)
            let decoded = record.withUnsafeBytes { EventWire.decode($0.baseAddress!) }
            XCTAssertEqual(decoded, event)
        }
    }

    /// trials.json from before keys has no "key": it reads as 0, and 0 is not written.
    func testAnAbsentKeyDecodesAsTheCounter() throws {
        let old = #"{"tNs":5,"buyer":1,"task":0,"kind":6,"value":3,"aux":0}"#
        let e = try JSONDecoder().decode(Event.self, from: Data(old.utf8))
        XCTAssertEqual(e, Event(tNs: 5, buyer: 1, task: 0, kind: .purchaseRead, value: 3))
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(e), as: UTF8.self).contains("key"))
        let keyed = Event(tNs: 5, buyer: 1, task: 0, kind: .keyRead, value: 3, aux: 1025, key: 4)
        XCTAssertEqual(try JSONDecoder().decode(Event.self, from: JSONEncoder().encode(keyed)), keyed)
    }

    /// A record whose kind this build does not know decodes to nil, whatever else it holds.
    func testUnknownKindCodesDecodeToNil() {
        var rng = SeededGenerator(seed: 33)
        let known = Set(EventKind.allCases.map(\.rawValue))
        var codes: [UInt16] = [0, UInt16.max, (known.max() ?? 0) + 1]
        for _ in 0..<5_000 { codes.append(UInt16.random(in: 0...UInt16.max, using: &rng)) }
        var record = [UInt8](repeating: 0, count: EventWire.size)
        var unknown = 0
        for code in codes {
            let event = randomEvent(&rng)
            record.withUnsafeMutableBytes { raw in
                EventWire.encode(event, into: raw.baseAddress!)
                raw.storeBytes(of: code.littleEndian, toByteOffset: 24, as: UInt16.self)
            }
            let decoded = record.withUnsafeBytes { EventWire.decode($0.baseAddress!) }
            if known.contains(code) {
                XCTAssertEqual(decoded?.kind.rawValue, code)
            } else {
                unknown += 1
                XCTAssertNil(decoded, "kind code \(code)")
            }
        }
        XCTAssertGreaterThan(unknown, 4_000)
    }
}
