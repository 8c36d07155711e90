import Foundation
import XCTest
import TicketRushModel
import TicketRushChecks
import TicketRushReports

/// Shards never say FAIL for what only the merge can judge; lock statistics count the waits
/// a deadlock cut off; words match the verdict.
final class TrustTests: XCTestCase {
    private func scenario(expect: [Invariant: Expectation]) -> Scenario {
        var s = Scenario(name: "s", tickets: 1, buyers: BuyerGroup(count: 2))
        s.trials = 4
        s.invariants = [.noOversell]
        s.expect = expect
        return s
    }

    private func trial(_ n: Int, oversold: Bool) -> TrialRecord {
        let events = oversold
            ? [Event(tNs: 1, buyer: 0, task: 0, kind: .bought), Event(tNs: 2, buyer: 1, task: 0, kind: .bought)]
            : [Event(tNs: 1, buyer: 0, task: 0, kind: .bought)]
        let h = TrialHistory(trial: n, seed: UInt64(n), tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events,
                             exits: [.exited(code: 0), .exited(code: 0)], finalRead: .count(0))
        return TrialRecord(history: h, scenario: "s", results: [NoOversellChecker().judge(h)], keepTimeline: false)
    }

    private func results(_ shard: RunResults.Shard?, _ trials: [TrialRecord], expect: Expectation) -> RunResults {
        RunResults(shard: shard, startedAt: 1, cells: [CellRecord(scenario(expect: [.noOversell: expect]), seed: 5, trials: 4)],
                   trials: trials)
    }

    func testAShardThatDidNotSeeAnExpectedViolationIsPendingNotFailed() throws {
        let shard = results(.init(k: 1, n: 2), [trial(0, oversold: false), trial(2, oversold: false)], expect: .violated)
        let inv = try XCTUnwrap(shard.cells.first?.report.invariants.first)
        XCTAssertEqual(inv.status, .pending)
        XCTAssertTrue(shard.passed, "a shard with nothing failed is not a failure")
        XCTAssertEqual(shard.cells[0].report.mark, "PENDING")
        let xml = JUnitReport.xml(shard.cells.map(\.report))
        XCTAssertTrue(xml.contains("<skipped>judged at merge"), xml)
        XCTAssertFalse(xml.contains("<failure"), xml)
        XCTAssertTrue(xml.contains("skipped=\"1\""), xml)
        XCTAssertTrue(TerminalSummary.total(shard.cells.map(\.report)).contains("1 pending"))
        XCTAssertTrue(SummaryJSON.text(shard).contains("\"pending\": 1"))

        // The other shard saw it: the merge judges it met. Had neither, the merge fails it.
        let other = results(.init(k: 2, n: 2), [trial(1, oversold: true), trial(3, oversold: false)], expect: .violated)
        XCTAssertEqual(try RunResults.merge([shard, other]).cells[0].report.invariants[0].status, .met)
        let quiet = results(.init(k: 2, n: 2), [trial(1, oversold: false), trial(3, oversold: false)], expect: .violated)
        let merged = try RunResults.merge([shard, quiet])
        XCTAssertEqual(merged.cells[0].report.invariants[0].status, .unmet)
        XCTAssertFalse(merged.passed)
    }

    func testAShardThatSawAHoldViolatedFailsAtOnce() {
        let shard = results(.init(k: 1, n: 2), [trial(0, oversold: true), trial(2, oversold: false)], expect: .hold)
        XCTAssertEqual(shard.cells[0].report.invariants[0].status, .unmet)
        XCTAssertFalse(shard.passed)
        XCTAssertEqual(shard.cells[0].report.mark, "FAIL")
    }

    func testWaitsCutOffByATimeoutOrADeathAreCensoredWaits() throws {
        // b1 acquires and is killed holding the lock; b2 waits until the runner ends its task.
        var h = HistoryBuilder(tickets: 1, buyers: 2, final: .count(1))
        h.step(0, .lockWait)
        h.step(0, .lockAcquired)
        h.step(1, .lockWait)
        h.step(0, .faultKill)
        for _ in 0..<500 { h.step(1, .start) }   // time passes while b2 waits
        h.step(1, .error, reason: .timeout)
        let record = TrialRecord(history: h.history, scenario: "s", results: [], keepTimeline: false)
        XCTAssertEqual(record.lockAcquisitions, 1)
        XCTAssertEqual(record.lockWaitsNs, [1_000])
        XCTAssertEqual(record.censoredWaitsNs?.count, 1)
        XCTAssertGreaterThan(record.censoredWaitsNs?.first ?? 0, 500_000)

        var s = Scenario(name: "s", tickets: 1, buyers: BuyerGroup(count: 2))
        s.invariants = []
        let run = RunResults(shard: nil, startedAt: 1, cells: [CellRecord(s, seed: 1, trials: 1)], trials: [record])
        let line = CellSummary.lines(run.cells[0]).joined(separator: "\n")
        XCTAssertTrue(line.contains("1 of 2 waits censored"), line)
        XCTAssertTrue(line.contains("waiting ≥"), line)
        XCTAssertFalse(line.contains("waiting 0.001 ms"), line)
        XCTAssertTrue(SummaryJSON.text(run).contains("\"censored_waits\": 1"))
    }

    func testAPassingCellSaysItsViolationWasExpected() {
        let run = results(nil, [trial(0, oversold: true), trial(1, oversold: false), trial(2, oversold: false), trial(3, oversold: false)],
                          expect: .violated)
        let text = CellSummary.lines(run.cells[0]).joined(separator: "\n")
        XCTAssertTrue(text.contains("expected violation seen in trial 1"), text)
        XCTAssertFalse(text.contains("first failing trial"), text)
        XCTAssertTrue(TerminalSummary.line(run.cells[0].report).contains("no-oversell 1/4 (expected)"))
    }
}
