import XCTest
import TicketRushModel
import TicketRushChecks
import TicketRushReports

/// The progress line's total and ETA: a cell under a stopping rule plans only a maximum
/// (`trials: {until: …}, max: 5000`), which must not be counted as work to come (issue 23:
/// ETAs like `8539:43` in a run that ended in minutes).
final class ProgressLineTests: XCTestCase {
    private func trial(_ n: Int, scenario: String) -> TrialRecord {
        let h = TrialHistory(trial: n, seed: UInt64(n), tickets: 1, buyerNames: ["a"], wants: 1,
                             events: [Event(tNs: 1, buyer: 0, task: 0, kind: .bought)],
                             exits: [.exited(code: 0)], finalRead: .count(0))
        return TrialRecord(history: h, scenario: scenario, results: [NoOversellChecker().judge(h)], keepTimeline: false)
    }

    func testAStoppingRuleBoundsTheTotalAndHidesTheETA() {
        var progress = ProgressLine(mode: .quiet, planned: [("fixed", 2), ("until", 5000)], bounded: ["until"]) { _ in }
        progress.add(trial(0, scenario: "fixed"))
        XCTAssertTrue(progress.line.contains("trials 1/≤5002"), progress.line)
        XCTAssertFalse(progress.line.contains("ETA"), "an ETA over a stopping rule's maximum is a guess: \(progress.line)")
        progress.add(trial(0, scenario: "until"))
        progress.finishCell("until")  // the rule stopped it after one trial
        XCTAssertTrue(progress.line.contains("trials 2/3"), progress.line)
        XCTAssertTrue(progress.line.contains("ETA "), "only fixed counts remain: \(progress.line)")
    }

    func testFixedCountsShowAnETAFromTheFirstTrial() {
        var progress = ProgressLine(mode: .quiet, planned: [("a", 3), ("b", 3)]) { _ in }
        progress.add(trial(0, scenario: "a"))
        XCTAssertTrue(progress.line.contains("trials 1/6"), progress.line)
        XCTAssertTrue(progress.line.contains("ETA "), progress.line)
    }
}
