import XCTest
import TicketRushModel
import TicketRushSchedule

/// The bounded search resumed from snapshots (what `--jobs` hands its workers, see
/// ExhaustiveSplit in the runner) over the design's model of the built-in buyer: the first
/// schedule, the levels split one at a time, then each subtree run from its snapshot, give
/// exactly the serial search's schedules in the serial order, for any number of subtrees.
final class ExhaustiveSplitStrategyTests: XCTestCase {
    typealias Model = PartialOrderReductionTests

    /// One schedule of `c` under `strategy` (begin() said there is one): its grants.
    static func once(_ c: Model.Config, _ strategy: inout ExhaustiveStrategy) throws -> [Int] {
        var g = Model.initial(c)
        var grants: [Int] = []
        while true {
            let ops = g.buyers.map { Model.op(c, $0) }
            let enabled = ops.indices.filter { ops[$0] != nil && (ops[$0] != .acquire || g.holder == nil) }
            if enabled.isEmpty {
                if ops.contains(where: { $0 != nil }) { _ = try strategy.choose(SchedulePoint(index: grants.count, enabled: [], ops: ops, last: grants.last)) }
                break
            }
            let b = try XCTUnwrap(try strategy.choose(SchedulePoint(index: grants.count, enabled: enabled, ops: ops, last: grants.last)))
            Model.step(c, &g, b)
            grants.append(b)
        }
        strategy.end(grants: grants.count)
        return grants
    }

    static func serial(_ c: Model.Config, bound: Int, symmetry: [Int]?) throws -> [[Int]] {
        var s = ExhaustiveStrategy(preemptions: bound, cap: 1_000_000, symmetry: symmetry)
        var all: [[Int]] = []
        while s.begin() { all.append(try once(c, &s)) }
        XCTAssertTrue(s.complete)
        return all
    }

    /// ExhaustiveSplit's discovery and workers, in one process.
    static func split(_ c: Model.Config, bound: Int, symmetry: [Int]?, target: Int) throws -> (schedules: [[Int]], subtrees: Int) {
        typealias Leaf = (grants: [Int], snapshot: ExhaustiveStrategy.Snapshot, floor: Int)
        var first = ExhaustiveStrategy(preemptions: bound, cap: 1, symmetry: symmetry)
        XCTAssertTrue(first.begin())
        var leaves: [Leaf] = [(try once(c, &first), first.snapshot, 0)]
        var floor = 0
        while leaves.count < target, leaves.contains(where: { $0.snapshot.depth > floor }) {
            var next: [Leaf] = []
            for old in leaves {
                next.append((old.grants, old.snapshot, floor + 1))
                var level = ExhaustiveStrategy(resuming: old.snapshot, preemptions: bound, cap: .max, symmetry: symmetry, floor: floor, ceiling: floor + 1)
                while level.begin() { next.append((try once(c, &level), level.snapshot, floor + 1)) }
            }
            leaves = next
            floor += 1
        }
        var all: [[Int]] = []
        for leaf in leaves {
            all.append(leaf.grants)
            var worker = ExhaustiveStrategy(resuming: leaf.snapshot, preemptions: bound, cap: 1_000_000, symmetry: symmetry, floor: leaf.floor)
            while worker.begin() { all.append(try once(c, &worker)) }
        }
        return (all, leaves.count)
    }

    func testSubtreesResumedFromSnapshotsRunTheSerialSchedulesInOrder() throws {
        let cases: [(Model.Config, Int)] = [
            (Model.Config(buyers: 3, tickets: 1), 2), (Model.Config(buyers: 3, tickets: 1, lock: true), 2),
            (Model.Config(buyers: 3, tickets: 3, lock: true, atomic: true), 1), (Model.Config(buyers: 2, tickets: 3, wants: 2), 3),
            (Model.Config(buyers: 4, tickets: 1), 2),
        ]
        for (c, bound) in cases {
            for symmetry in [nil, [Int](repeating: 0, count: c.buyers)] {
                let serial = try Self.serial(c, bound: bound, symmetry: symmetry)
                var most = 0
                for target in [1, 2, 4, 8, 16, 64] {
                    let (schedules, subtrees) = try Self.split(c, bound: bound, symmetry: symmetry, target: target)
                    most = max(most, subtrees)
                    XCTAssertEqual(schedules.count, serial.count, "\(c) ≤ \(bound), \(subtrees) subtrees")
                    XCTAssertEqual(schedules, serial, "\(c) ≤ \(bound), symmetry \(symmetry != nil), \(subtrees) subtrees")
                }
                XCTAssertGreaterThanOrEqual(most, 16, "the tree must split: \(c)")
            }
        }
    }
}
