import Foundation
import XCTest
import TicketRushModel
import TicketRushChecks
@testable import TicketRushRunner
import TicketRushReports

/// Wilson intervals, percentiles, the stopping rule, shards, and the CSV writer's quoting.
final class StatisticsTests: XCTestCase {
    func testNormalQuantile() {
        XCTAssertEqual(NormalQuantile.z(twoSided: 0.95), 1.959964, accuracy: 1e-6)
        XCTAssertEqual(NormalQuantile.z(twoSided: 0.99), 2.575829, accuracy: 1e-6)
        XCTAssertEqual(NormalQuantile.quantile(0.001), -3.090232, accuracy: 1e-6)
    }

    /// Reference values as in Newcombe (1998), table I: 1/10 gives 0.0179–0.4042.
    func testWilsonKnownValues() {
        let half = Proportion(5, of: 10).wilson()
        XCTAssertEqual(half.lower, 0.236593, accuracy: 1e-6)
        XCTAssertEqual(half.upper, 0.763407, accuracy: 1e-6)
        let one = Proportion(1, of: 10).wilson()
        XCTAssertEqual(one.lower, 0.017876, accuracy: 1e-6)
        XCTAssertEqual(one.upper, 0.404150, accuracy: 1e-6)
        let none = Proportion(0, of: 300).wilson()
        XCTAssertEqual(none.lower, 0)
        XCTAssertEqual(none.upper, 0.012643, accuracy: 1e-6)  // z²/(n+z²)
        XCTAssertEqual(Proportion(10, of: 10).wilson().upper, 1)
        XCTAssertEqual(Proportion(10, of: 10).wilson().lower, 0.722467, accuracy: 1e-6)
        XCTAssertEqual(Proportion(0, of: 0).wilson().upper, 1)
        XCTAssertEqual(Proportion(0, of: 300).statement(), "0 in 300 trials: rate below 1.3% at 95%")
        XCTAssertEqual(Proportion(7, of: 10).statement(), "7 in 10 trials: rate 70.0%, 95% CI 39.7%–89.2%")
    }

    func testPercentilesAreNearestRank() throws {
        let p = try XCTUnwrap(Percentiles((1...100).map(UInt64.init)))
        XCTAssertEqual([p.p50, p.p90, p.p99, p.max], [50, 90, 99, 100])
        let one = try XCTUnwrap(Percentiles([7]))
        XCTAssertEqual([one.p50, one.p99, one.max], [7, 7, 7])
        XCTAssertNil(Percentiles([]))
    }

    private func record(_ verdicts: [Invariant: Verdict], trial: Int) -> TrialRecord {
        let h = TrialHistory(trial: trial, seed: 1, tickets: 1, buyerNames: ["a"], wants: 1, events: [], exits: [.exited(code: 0)], finalRead: .count(0))
        let results = verdicts.map { fixture($0.key, $0.value, "") }
        return TrialRecord(history: h, scenario: "s", results: results, keepTimeline: false)
    }

    func testStopRule() {
        var s = Scenario(name: "s", tickets: 1, buyers: BuyerGroup(count: 2))
        s.invariants = [.noOversell, .conservation]
        let rule = StopRule(rateBelow: 0.2)
        var tally = StopRule.Tally(s)
        for trial in 0..<15 {
            tally.add(record([.noOversell: .holds, .conservation: .holds], trial: trial))
            XCTAssertNil(tally.stop(rule), "stopped at \(trial + 1)")
        }
        tally.add(record([.noOversell: .holds, .conservation: .holds], trial: 15))
        XCTAssertEqual(tally.stop(rule), .bounded)  // 3.84/(16+3.84) = 19.4% < 20%
        tally.add(record([.noOversell: .violated, .conservation: .holds], trial: 16))
        XCTAssertEqual(tally.stop(rule), .violation)

        // docs/sweeps.md: with no violation, 1% at 95% takes 381 trials.
        var long = StopRule.Tally(s)
        var stoppedAt = 0
        for trial in 0..<1000 where stoppedAt == 0 {
            long.add(record([.noOversell: .holds, .conservation: .holds], trial: trial))
            if long.stop(StopRule(rateBelow: 0.01)) != nil { stoppedAt = trial + 1 }
        }
        XCTAssertEqual(stoppedAt, 381)

        // Unknown verdicts count against the bound but do not stop the cell.
        var unsure = StopRule.Tally(s)
        for trial in 0..<40 { unsure.add(record([.noOversell: .unknown, .conservation: .holds], trial: trial)) }
        XCTAssertNil(unsure.stop(rule))

        // Expected violations must be seen before the cell counts as bounded.
        s.expect = [.noOversell: .violated]
        var expected = StopRule.Tally(s)
        for trial in 0..<20 { expected.add(record([.noOversell: .holds, .conservation: .holds], trial: trial)) }
        XCTAssertNil(expected.stop(rule))
        expected.add(record([.noOversell: .violated, .conservation: .holds], trial: 20))
        XCTAssertEqual(expected.stop(rule), .bounded)
    }

    func testShardsCoverEveryUnitExactlyOnce() {
        var cells = (0..<3).map { Scenario(name: "s\($0)", tickets: 1, buyers: BuyerGroup(count: 2), trials: 7 + $0, seed: 9) }
        cells[1].stopRule = StopRule(rateBelow: 0.01)
        let plan = RunPlan(scenarios: cells, seed: nil, trials: nil, onlyTrial: nil)
        XCTAssertEqual(plan.units.count, 7 + 1 + 9)
        for n in 1...6 {
            let parts = (1...n).map { plan.shard($0, of: n) }
            XCTAssertEqual(parts.flatMap { $0 }.sorted { ($0.scenario, $0.trial ?? -1) < ($1.scenario, $1.trial ?? -1) },
                           plan.units.sorted { ($0.scenario, $0.trial ?? -1) < ($1.scenario, $1.trial ?? -1) })
            XCTAssertEqual(Set(parts.flatMap { $0 }).count, plan.units.count)
            XCTAssertLessThanOrEqual(parts.map(\.count).max()! - parts.map(\.count).min()!, 1)
        }
        // The same seeds whatever the split; plain scenarios keep the core runner's derivation.
        XCTAssertEqual(plan.trialSeed(0, trial: 4), Seed.trial(9, index: 4))
        let rerun = RunPlan(scenarios: [cells[2]], seed: nil, trials: nil, onlyTrial: 3)
        XCTAssertEqual(rerun.units, [RunPlan.Unit(scenario: 0, trial: 3)])
        XCTAssertEqual(rerun.trialSeed(0, trial: 3), plan.trialSeed(2, trial: 3))
    }

    func testCellSeedsDependOnTheCellNotItsPosition() {
        let a = SweepCell(baseName: "s", parameters: [.init(path: "lock.mode", value: "none")], index: 0)
        let b = SweepCell(baseName: "s", parameters: [.init(path: "lock.mode", value: "none")], index: 5)
        let c = SweepCell(baseName: "s", parameters: [.init(path: "lock.mode", value: "flock")], index: 0)
        XCTAssertEqual(Seed.trial(1, cell: a, index: 2), Seed.trial(1, cell: b, index: 2))
        XCTAssertNotEqual(Seed.trial(1, cell: a, index: 2), Seed.trial(1, cell: c, index: 2))
        XCTAssertEqual(Seed.trial(1, cell: nil, index: 2), Seed.trial(1, index: 2))
    }

    func testCSVQuotingAndRerunQuoting() {
        XCTAssertEqual(ResultsCSV.field("plain"), "plain")
        XCTAssertEqual(ResultsCSV.field("a,b"), "\"a,b\"")
        XCTAssertEqual(ResultsCSV.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(ResultsCSV.field("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(Rerun.shellQuoted("scenarios/a.yaml"), "scenarios/a.yaml")
        XCTAssertEqual(Rerun.shellQuoted("s[lock.mode=none]"), "'s[lock.mode=none]'")
        XCTAssertEqual(Rerun.shellQuoted("it's"), "'it'\\''s'")
    }

    /// The writers render one row per trial and a cell per scenario, in plan order.
    func testWritersFromRecords() throws {
        var s = Scenario(name: "s[lock.mode=none]", tickets: 1, buyers: BuyerGroup(count: 2), trials: 2, seed: 4)
        s.cell = SweepCell(baseName: "s", parameters: [.init(path: "lock.mode", value: "none")], index: 0)
        s.invariants = [.noOversell]
        let records = [record([.noOversell: .violated], trial: 1), record([.noOversell: .holds], trial: 0)].map { r -> TrialRecord in
            var r = r
            r.scenario = s.name
            return r
        }
        let results = RunResults(shard: nil, startedAt: 0, cells: [CellRecord(s, seed: 4, trials: 2)], trials: records)
        let csv = ResultsCSV.text(results).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertTrue(csv[0].hasPrefix("scenario,cell,lock.mode,trial,seed,tickets,buyers,sold,final_count,no-oversell,conservation"))
        XCTAssertTrue(csv[1].hasPrefix("s,lock.mode=none,none,1,1,1,2,0,0,holds,,"), String(csv[1]))
        XCTAssertTrue(csv[2].hasPrefix("s,lock.mode=none,none,2,1,1,2,0,0,violated,,"), String(csv[2]))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(SummaryJSON.text(results).utf8)) as? [String: Any])
        XCTAssertEqual(json["passed"] as? Bool, false)
        let cell = try XCTUnwrap((json["cells"] as? [[String: Any]])?.first)
        XCTAssertEqual(cell["name"] as? String, "s[lock.mode=none]")
        let inv = try XCTUnwrap((cell["invariants"] as? [[String: Any]])?.first)
        XCTAssertEqual(inv["violated"] as? Int, 1)
        XCTAssertEqual(inv["statement"] as? String, "1 in 2 trials: rate 50.0%, 95% CI 9.5%–90.5%")
        XCTAssertEqual((inv["first_counterexample"] as? [String: Any])?["rerun"] as? String,
                       "ticketrush run FILE --cell 's[lock.mode=none]' --trial 2 --seed 4")
        // Round trip through trials.json keeps everything.
        let back = try RunResults.read(results.json())
        XCTAssertEqual(back.trials, results.trials)
        XCTAssertEqual(back.cellRecords, results.cellRecords)
    }
}
