import Foundation
import XCTest
@testable import TicketRushModel
@testable import TicketRushChecks
@testable import TicketRushSchedule
@testable import TicketRushReports

/// issue 19 item 10: a verdict never claims more than was explored. A search stopped by a
/// default bound judges no hold; one stopped by the scenario's own budget says "holds in N
/// explored schedules", in every report.
final class StoppedSearchTests: XCTestCase {
    func testTheBudgetSaysWhatStoppedTheSearch() {
        var config = ScheduleConfig(strategy: .exhaustive)
        var budget = SearchBudget(config, now: 1_000)
        XCTAssertFalse(budget.expired(now: 1_000 + UInt64(ScheduleConfig.defaultTimeBudgetNs) - 1))
        XCTAssertTrue(budget.expired(now: 1_000 + UInt64(ScheduleConfig.defaultTimeBudgetNs)), "the default cap has a time bound too")
        XCTAssertEqual(budget.stop(timedOut: true, exhaustiveComplete: false), .defaultTime)
        XCTAssertEqual(budget.stop(timedOut: false, exhaustiveComplete: false), .defaultCap)
        XCTAssertNil(budget.stop(timedOut: false, exhaustiveComplete: true))
        config.runs = 50
        budget = SearchBudget(config, now: 0)
        XCTAssertFalse(budget.expired(now: UInt64.max / 2), "runs bounds the search; no default time on top")
        XCTAssertEqual(budget.stop(timedOut: false, exhaustiveComplete: false), .runs)
        config.timeBudgetNs = 5_000_000_000
        budget = SearchBudget(config, now: 0)
        XCTAssertTrue(budget.expired(now: 5_000_000_000))
        XCTAssertEqual(budget.stop(timedOut: true, exhaustiveComplete: false), .time)
        // random and pct are never "complete": only a time stop makes them short.
        XCTAssertNil(SearchBudget(ScheduleConfig(strategy: .random), now: 0).stop(timedOut: false, exhaustiveComplete: nil))
    }

    func testAHoldOverASearchStoppedByADefaultIsNotMet() {
        var inv = InvariantReport(invariant: .noOversell, expectation: .hold)
        for t in 0..<3 { inv.add(fixture(.noOversell, .holds), trial: t, seed: 1) }
        XCTAssertEqual(inv.status, .met)
        inv.stoppedSearch = StoppedSearch(stop: .defaultCap, explored: 3, by: SearchStop.defaultCap.text(ScheduleConfig()))
        XCTAssertEqual(inv.status, .undetermined)
        XCTAssertTrue(inv.summary.hasPrefix("not judged: the search stopped at the default cap of 100000 schedules after 3 schedules"), inv.summary)
        inv.stoppedSearch = StoppedSearch(stop: .runs, explored: 3, by: "the scenario's budget (schedule.runs: 3)")
        XCTAssertEqual(inv.status, .met)
        XCTAssertEqual(inv.summary, "holds in 3 explored schedules (not every interleaving: the search stopped at the scenario's budget (schedule.runs: 3))")
        // A violation found is a violation, however far the search got.
        inv.add(fixture(.noOversell, .violated, severity: 1), trial: 3, seed: 1)
        XCTAssertEqual(inv.status, .unmet)
        var expected = InvariantReport(invariant: .noOversell, expectation: .violated)
        expected.stoppedSearch = inv.stoppedSearch
        expected.add(fixture(.noOversell, .violated, severity: 1), trial: 0, seed: 1)
        XCTAssertEqual(expected.status, .met)
    }

    private func results(stop: SearchStop?) -> RunResults {
        var s = Scenario(name: "x", tickets: 1, buyers: BuyerGroup(count: 2))
        s.schedule = ScheduleConfig(strategy: .exhaustive, runs: stop == .runs ? 2 : nil)
        s.invariants = [.noOversell]
        let records = (0..<2).map { n -> TrialRecord in
            let h = TrialHistory(trial: n, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1,
                                 events: [Event(tNs: 1, buyer: 0, task: 0, kind: .bought)],
                                 exits: [.exited(code: 0), .exited(code: 0)], finalRead: .count(0))
            var r = TrialRecord(history: h, scenario: "x", results: [NoOversellChecker().judge(h)], keepTimeline: false)
            if n == 1 {
                var x = ScheduleSummary(strategy: "exhaustive", runs: 2, complete: stop == nil, violating: 0, statement: "exhaustive: …")
                x.stoppedBy = stop
                r.exploration = x
            }
            return r
        }
        return RunResults(shard: nil, startedAt: 1, cells: [CellRecord(s, seed: 1, trials: 2)], trials: records)
    }

    func testEveryReportSaysWhatAStoppedSearchIsWorth() throws {
        // Stopped by the default cap: not green anywhere.
        let capped = results(stop: .defaultCap)
        XCTAssertFalse(capped.passed)
        let xml = JUnitReport.xml(capped.cells.map(\.report), hostname: "h")
        XCTAssertTrue(xml.contains("errors=\"1\""), xml)
        XCTAssertTrue(xml.contains("type=\"Undetermined\""), xml)
        XCTAssertTrue(xml.contains("<property name=\"schedule.stopped_by\" value=\"default-cap\"/>"), xml)
        let json = SummaryJSON.text(capped)
        XCTAssertTrue(json.contains("\"passed\": false"), json)
        XCTAssertTrue(json.contains("\"stopped_by\": \"default-cap\", \"explored\": 2"), json)
        XCTAssertTrue(json.contains("\"status\": \"undetermined\""), json)
        let terminal = capped.cells.flatMap(CellSummary.lines).joined(separator: "\n")
            + capped.cells.flatMap { TerminalSummary.details($0.report) }.joined(separator: "\n")
        XCTAssertTrue(terminal.contains("no hold judged: the search stopped at the default cap of 100000 schedules after 2 schedules"), terminal)
        XCTAssertTrue(HTMLReport.html(capped).contains("no hold judged: the search stopped at the default cap"))

        // Stopped by the scenario's own runs: green, and says how far it went.
        let budgeted = results(stop: .runs)
        XCTAssertTrue(budgeted.passed)
        let xml2 = JUnitReport.xml(budgeted.cells.map(\.report), hostname: "h")
        XCTAssertTrue(xml2.contains("expect hold: holds in 2 explored schedules (not every interleaving"), xml2)
        XCTAssertTrue(SummaryJSON.text(budgeted).contains("\"summary\": \"holds in 2 explored schedules"))
        let terminal2 = budgeted.cells.flatMap(CellSummary.lines).joined(separator: "\n")
        XCTAssertTrue(terminal2.contains("holds in 2 explored schedules, not in every interleaving: the search stopped at the scenario's budget (schedule.runs: 2)"), terminal2)
        XCTAssertTrue(HTMLReport.html(budgeted).contains("holds in 2 explored schedules"))

        // A complete search: no such line.
        let complete = results(stop: nil)
        XCTAssertTrue(complete.passed)
        XCTAssertFalse(complete.cells.flatMap(CellSummary.lines).joined().contains("explored schedules"))
    }

    func testTheStopIsKeptInTrialsJSON() throws {
        let back = try RunResults.read(try results(stop: .defaultTime).json())
        XCTAssertEqual(back.trials.last?.exploration?.stoppedBy, .defaultTime)
        XCTAssertFalse(back.passed)
    }
}
