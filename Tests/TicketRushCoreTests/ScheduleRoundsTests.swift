import XCTest
@testable import TicketRushRunner

/// A split random cell's rounds (ScheduleExplorer.randomRound): they cover every schedule once,
/// in order, and grow with the pace of the last round, so warm schedules fork few pools.
final class ScheduleRoundsTests: XCTestCase {
    private func rounds(runs: Int, nsPerSchedule: UInt64) -> [Range<Int>] {
        var out: [Range<Int>] = [], last = 0..<0, took: UInt64 = 0
        while last.upperBound < runs {
            last = ScheduleExplorer.randomRound(after: last, tookNs: took, runs: runs)
            took = UInt64(last.count) * nsPerSchedule
            out.append(last)
        }
        return out
    }

    func testRoundsCoverEveryScheduleOnceInOrder() {
        for (runs, ns) in [(1, 1), (2_000, 250_000), (2_000, 1_000_000_000), (5, 0), (10_000, 1)] as [(Int, UInt64)] {
            let r = rounds(runs: runs, nsPerSchedule: ns)
            XCTAssertEqual(r.flatMap { Array($0) }, Array(0..<runs), "runs \(runs), \(ns) ns each")
            XCTAssertEqual(r.first, 0..<1, "the first round is one schedule")
            XCTAssertTrue(r.allSatisfy { $0.count <= 512 })
        }
    }

    /// Slow schedules (a second each) double as before: 1, 4, 8, 16 …; warm ones (a quarter
    /// of a millisecond) fill 100 ms rounds at once.
    func testRoundsGrowWithThePace() {
        XCTAssertEqual(rounds(runs: 2_000, nsPerSchedule: 1_000_000_000).prefix(5).map(\.count), [1, 4, 8, 16, 32])
        let warm = rounds(runs: 2_000, nsPerSchedule: 250_000)
        XCTAssertEqual(warm.map(\.count), [1, 400, 512, 512, 512, 63])
    }
}
