import XCTest
import TicketRushModel
import TicketRushChecks

/// Seeded random histories: serial executions (and their shuffles that keep each key's
/// writes in order) are never flagged; each anomaly planted on top is flagged as its class.
final class AnomalyPropertyTests: XCTestCase {
    static let collection: UInt16 = 9

    /// A serial execution of random transactions over keys 1…keys and one collection, each
    /// transaction a buyer of its own, as per-transaction event lists in serial order.
    struct World {
        var current: [UInt16: Int32] = [:]
        var rows: [Int32] = []
        var txns: [[Event]] = []
        /// Per transaction: whether it committed (its writes are ordered against others').
        var committed: [Bool] = []
        var next = 0

        mutating func tag(_ b: Int) -> Int32 {
            next += 1
            return Int32((b + 1) * 1024 + next % 1000 + 1)
        }

        mutating func run(_ rng: inout SeededGenerator, count: Int, keys: Int) {
            for b in 0..<count {
                var mine = current
                var myRows = rows
                var events: [Event] = []
                func ev(_ kind: EventKind, _ key: UInt16, value: Int64 = 1, aux: Int32 = 0) {
                    events.append(Event(tNs: 0, buyer: b, task: 0, kind: kind, value: value, aux: aux, key: key))
                }
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let key = UInt16(Int.random(in: 1...keys, using: &rng))
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0, 1: ev(.keyRead, key, aux: mine[key] ?? 0)
                    case 2:
                        let t = Int32((b + 1) * 1024 + events.count + 1)
                        mine[key] = t
                        ev(.keyWrite, key, aux: t)
                    case 3:
                        ev(.predicateRead, Self.collection_, value: Int64(myRows.count))
                        for r in myRows { ev(.predicateRow, Self.collection_, value: Int64(r)) }
                    default:
                        let t = Int32((b + 1) * 1024 + events.count + 1)
                        myRows.append(t)
                        ev(.rowInsert, Self.collection_, aux: t)
                    }
                }
                let commit = rng.chance(0.85)
                ev(commit ? .txnCommit : .txnAbort, 0)
                if commit { (current, rows) = (mine, myRows) }
                txns.append(events)
                committed.append(commit)
            }
        }

        static let collection_ = AnomalyPropertyTests.collection

        /// The events in serial order.
        var serial: [Event] { txns.flatMap { $0 } }

        /// A random interleaving that keeps, for every key, the committed writes in serial
        /// order: still serializable.
        func shuffled(_ rng: inout SeededGenerator) -> [Event] {
            var cursor = Array(repeating: 0, count: txns.count)
            var out: [Event] = []
            func blocked(_ i: Int) -> Bool {
                let e = txns[i][cursor[i]]
                guard e.kind == .keyWrite, committed[i] else { return false }
                return (0..<i).contains { j in committed[j] && txns[j][cursor[j]...].contains { $0.kind == .keyWrite && $0.key == e.key } }
            }
            while true {
                let ready = txns.indices.filter { cursor[$0] < txns[$0].count && !blocked($0) }
                guard let i = ready.randomElement(using: &rng) else { break }
                out.append(txns[i][cursor[i]])
                cursor[i] += 1
            }
            return out
        }
    }

    func testSerialAndShuffledSerializableHistoriesAreNeverFlagged() {
        var rng = SeededGenerator(seed: 21)
        for round in 0..<300 {
            var w = World()
            w.run(&rng, count: Int.random(in: 1...12, using: &rng), keys: Int.random(in: 1...4, using: &rng))
            for events in [w.serial, w.shuffled(&rng)] {
                let a = AnomalyAnalysis(TxnHistory(events: events, name: { "b\($0 + 1)" }))
                XCTAssertEqual(a.found.map(\.anomaly), [], "round \(round): \(a.found.map { AnomalyText.cycle($0, name: { "b\($0 + 1)" }) })")
                XCTAssertEqual(a.gaps, [], "round \(round)")
            }
        }
    }

    func testPlantedAnomaliesAreFlaggedAsTheirClass() {
        var rng = SeededGenerator(seed: 2121)
        for round in 0..<200 {
            var w = World()
            let count = Int.random(in: 0...10, using: &rng)
            w.run(&rng, count: count, keys: 3)
            for planted in Anomaly.allCases {
                var events = rng.chance(0.5) ? w.serial : w.shuffled(&rng)
                events += Self.plant(planted, on: w, buyers: (count, count + 1), &rng)
                let found = Set(AnomalyAnalysis(TxnHistory(events: events, name: { "b\($0 + 1)" })).found.map(\.anomaly))
                XCTAssertTrue(found.contains(planted), "round \(round): planted \(planted.rawValue), found \(found.map(\.rawValue))")
            }
        }
    }

    /// Two new transactions (buyers a and b) that make `anomaly` on the world's latest versions.
    static func plant(_ anomaly: Anomaly, on w: World, buyers: (Int, Int), _ rng: inout SeededGenerator) -> [Event] {
        let (a, b) = buyers
        var out: [Event] = []
        var n = 0
        func ev(_ who: Int, _ kind: EventKind, _ key: UInt16 = 0, value: Int64 = 1, aux: Int32 = 0) {
            out.append(Event(tNs: 0, buyer: who, task: 0, kind: kind, value: value, aux: aux, key: key))
        }
        func write(_ who: Int, _ key: UInt16) -> Int32 {
            n += 1
            let t = Int32((who + 1) * 1024 + 100 + n)
            ev(who, .keyWrite, key, aux: t)
            return t
        }
        let k1 = UInt16(Int.random(in: 1...3, using: &rng))
        let k2 = k1 % 3 + 1
        let v1 = w.current[k1] ?? 0, v2 = w.current[k2] ?? 0
        switch anomaly {
        case .g0:
            _ = write(a, k1); _ = write(b, k1); _ = write(b, k2); _ = write(a, k2)
        case .g1a:
            let t = write(a, k1)
            ev(a, .txnAbort)
            ev(b, .keyRead, k1, aux: t)
            ev(b, .txnCommit)
            return out
        case .g1b:
            let t = write(a, k1)
            ev(b, .keyRead, k1, aux: t)
            _ = write(a, k1)
        case .g1c:
            let x = write(a, k1)
            ev(b, .keyRead, k1, aux: x)
            let y = write(b, k2)
            ev(a, .keyRead, k2, aux: y)
        case .lostUpdate:
            ev(a, .keyRead, k1, aux: v1); ev(b, .keyRead, k1, aux: v1)
            _ = write(a, k1); _ = write(b, k1)
        case .gSingle:
            ev(a, .keyRead, k1, aux: v1)
            _ = write(b, k1)
            let y = write(b, k2)
            ev(b, .txnCommit)
            ev(a, .keyRead, k2, aux: y)
            ev(a, .txnCommit)
            return out
        case .g2Item:
            for who in [a, b] { ev(who, .keyRead, k1, aux: v1); ev(who, .keyRead, k2, aux: v2) }
            _ = write(a, k1); _ = write(b, k2)
        case .g2:
            for who in [a, b] {
                ev(who, .predicateRead, collection, value: Int64(w.rows.count))
                for r in w.rows { ev(who, .predicateRow, collection, value: Int64(r)) }
            }
            for who in [a, b] {
                n += 1
                ev(who, .rowInsert, collection, aux: Int32((who + 1) * 1024 + 100 + n))
            }
        }
        ev(a, .txnCommit)
        ev(b, .txnCommit)
        return out
    }
}
