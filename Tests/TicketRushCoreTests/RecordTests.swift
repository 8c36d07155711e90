import Foundation
import XCTest
import TicketRushModel
import TicketRushChecks
import TicketRushReports

/// trials.json: typed, versioned, and refused loudly when it cannot be read whole.
final class RecordTests: XCTestCase {
    private func scenario(_ name: String = "s", trials: Int = 3) -> Scenario {
        var s = Scenario(name: name, tickets: 1, buyers: BuyerGroup(count: 2))
        s.trials = trials
        s.lock = LockConfig(mode: .flock, scope: .task, retries: 7)
        s.faults = [Fault(.stall(5_000_000), .probability(0.5), at: .lockAcquired, limit: 1)]
        s.delays = Delays(search: .uniform(1, 9), write: .fixed(3))
        return s
    }

    private func trial(_ n: Int, of name: String = "s", oversold: Bool = false) -> TrialRecord {
        let events = oversold
            ? [Event(tNs: 1, buyer: 0, task: 0, kind: .bought), Event(tNs: 2, buyer: 1, task: 0, kind: .bought)]
            : [Event(tNs: 1, buyer: 0, task: 0, kind: .bought)]
        let h = TrialHistory(trial: n, seed: UInt64(n), tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events,
                             exits: [.exited(code: 0), .exited(code: 0)], finalRead: .count(0))
        return TrialRecord(history: h, scenario: name, results: [NoOversellChecker().judge(h)], keepTimeline: oversold)
    }

    private func shard(_ k: Int, of n: Int, trials: [Int], incomplete: String? = nil) -> RunResults {
        RunResults(shard: .init(k: k, n: n), startedAt: 1, cells: [CellRecord(scenario(), seed: 5, trials: 3)],
                   trials: trials.map { trial($0) }, incomplete: incomplete)
    }

    func testRoundTripKeepsTheTypedModel() throws {
        let results = RunResults(shard: nil, startedAt: 2, cells: [CellRecord(scenario(), seed: 5, trials: 3)],
                                 trials: [trial(0), trial(1, oversold: true), trial(2)])
        let back = try RunResults.read(results.json())
        XCTAssertEqual(back.cellRecords, results.cellRecords)
        XCTAssertEqual(back.trials, results.trials)
        XCTAssertEqual(back.cellRecords[0].scenario.lock.retries, 7)
        XCTAssertEqual(back.cellRecords[0].scenario.delays.search, .uniform(1, 9))
        // The evidence and the blamed tasks survive as values.
        let result = try XCTUnwrap(back.trials[1].result(.noOversell))
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertEqual(result.blamed, [TaskRef(buyer: 0, task: 0), TaskRef(buyer: 1, task: 0)])
        guard case .sales(let tickets, let sold, _, _) = result.evidence else { return XCTFail("\(result.evidence)") }
        XCTAssertEqual([tickets, sold], [1, 2])
        XCTAssertEqual(back.trials[1].timeline?.events.count, 2)
    }

    /// A trials.json written before this format (a real one, kept as a fixture) is refused
    /// with the version, never half-read.
    func testOldFormatFailsWithAVersionMessage() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/trials-format-1.json")
        let data = try Data(contentsOf: fixture)
        XCTAssertThrowsError(try RunResults.read(data)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("format 1"), text)
            XCTAssertTrue(text.contains("reads format \(RunResults.format)"), text)
        }
    }

    /// A value this build does not know fails naming where it is, instead of dropping the cell.
    func testUnknownValueNamesItsPlace() throws {
        let results = RunResults(shard: nil, startedAt: 2, cells: [CellRecord(scenario(), seed: 5, trials: 3)], trials: [trial(0)])
        let text = String(decoding: try results.json(), as: UTF8.self).replacingOccurrences(of: "\"flock\"", with: "\"zookeeper\"")
        XCTAssertThrowsError(try RunResults.read(Data(text.utf8))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("cells[0].scenario.lock.mode"), message)
            XCTAssertTrue(message.contains("zookeeper"), message)
        }
        XCTAssertThrowsError(try RunResults.read(Data("{\"format\": 2}".utf8)))
        XCTAssertThrowsError(try RunResults.read(Data("[]".utf8)))
    }

    func testMergeNeedsEveryPlannedTrialOnce() throws {
        // 3 trials over 3 shards: trial n in shard n+1.
        XCTAssertNoThrow(try RunResults.merge([shard(1, of: 3, trials: [0]), shard(2, of: 3, trials: [1]), shard(3, of: 3, trials: [2])]))
        func refused(_ parts: [RunResults], _ words: String) {
            XCTAssertThrowsError(try RunResults.merge(parts)) { XCTAssertTrue("\($0)".contains(words), "\($0)") }
        }
        // An interrupted shard that kept only what it finished.
        refused([shard(1, of: 3, trials: [0]), shard(2, of: 3, trials: [], incomplete: "interrupted by signal 2"), shard(3, of: 3, trials: [2])],
                "shard 2/3 did not complete")
        // A shard whose trial was dropped, or that holds none.
        refused([shard(1, of: 3, trials: [0]), shard(2, of: 3, trials: []), shard(3, of: 3, trials: [2])], "missing 1 trial of 3: 2")
        // Out of range, in two shards, or of a scenario nobody planned.
        refused([shard(1, of: 3, trials: [0]), shard(2, of: 3, trials: [1, 999_999]), shard(3, of: 3, trials: [2])], "outside the 3 trials")
        refused([shard(1, of: 3, trials: [0, 1]), shard(2, of: 3, trials: [1]), shard(3, of: 3, trials: [2])], "appears in two inputs")
        var stranger = shard(3, of: 3, trials: [2])
        stranger = RunResults(shard: .init(k: 3, n: 3), startedAt: 1, cells: stranger.cellRecords,
                              trials: [trial(2), trial(0, of: "ghost")])
        refused([shard(1, of: 3, trials: [0]), shard(2, of: 3, trials: [1]), stranger], "which no shard planned")
    }

    /// An incomplete run is never green, in any report.
    func testIncompleteRunIsNeverPassed() throws {
        let cut = RunResults(shard: nil, startedAt: 2, cells: [CellRecord(scenario(), seed: 5, trials: 3)], trials: [trial(0)],
                             incomplete: "interrupted by signal 2")
        XCTAssertFalse(cut.passed)
        let json = SummaryJSON.text(cut)
        XCTAssertTrue(json.contains("\"passed\": false"), json)
        XCTAssertTrue(json.contains("\"complete\": false"), json)
        let xml = JUnitReport.xml(cut.cells.map(\.report), incomplete: cut.incomplete, hostname: "h")
        XCTAssertTrue(xml.contains("type=\"RunIncomplete\""), xml)
        XCTAssertFalse(xml.contains("errors=\"0\"") && xml.contains("<testsuites name=\"ticketrush\" tests=\"1\" failures=\"0\" errors=\"0\""), xml)
        XCTAssertTrue(TerminalSummary.total(cut.cells.map(\.report), incomplete: cut.incomplete).contains("INCOMPLETE"))
        XCTAssertTrue(HTMLReport.html(cut).contains("INCOMPLETE"))
    }
}

/// Jepsen's rule: a partial history is judged only where the gaps cannot change the answer.
final class IncompleteHistoryTests: XCTestCase {
    private func history(bought: Int, incomplete: [Incompleteness], exits: [BuyerExit]? = nil) -> TrialHistory {
        let events = (0..<bought).map { Event(tNs: UInt64($0), buyer: $0, task: 0, kind: .bought) }
        return TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b", "c"], wants: 1, events: events,
                            exits: exits ?? Array(repeating: .exited(code: 0), count: 3), finalRead: .count(0), incomplete: incomplete)
    }

    func testGapsTurnHoldsIntoUnknownButKeepMonotoneViolations() {
        let gap: [Incompleteness] = [.malformed(records: 2)]
        let held = NoOversellChecker().judge(history(bought: 1, incomplete: gap))
        XCTAssertEqual(held.verdict, .unknown)
        XCTAssertEqual(held.evidence, .incomplete(gap))
        XCTAssertTrue(held.summary.contains("2 malformed event records"), held.summary)
        // More events could only add purchases: an oversell seen in part stands.
        XCTAssertEqual(NoOversellChecker().judge(history(bought: 3, incomplete: gap)).verdict, .violated)
        // Conservation needs every purchase: unknown either way.
        XCTAssertEqual(ConservationChecker().judge(history(bought: 1, incomplete: [.overflow(limit: 9)])).verdict, .unknown)
        XCTAssertEqual(OneOutcomeChecker().judge(history(bought: 1, incomplete: [.vanished(buyers: [2])])).verdict, .unknown)
        // Exit statuses and the final document are the runner's own facts.
        XCTAssertEqual(AllFinishedChecker().judge(history(bought: 1, incomplete: gap)).verdict, .holds)
        XCTAssertEqual(AllFinishedChecker().judge(history(bought: 1, incomplete: gap, exits: [.exited(code: 0), .signaled(signal: 9), .exited(code: 0)])).verdict, .violated)
        XCTAssertEqual(NoUndersellChecker().judge(history(bought: 1, incomplete: gap)).verdict, .holds)
        // The same histories without gaps are judged as usual.
        XCTAssertEqual(NoOversellChecker().judge(history(bought: 1, incomplete: [])).verdict, .holds)
    }

    func testComposeTakesTheWorst() {
        XCTAssertEqual(Verdict.compose([.holds, .unknown, .holds]), .unknown)
        XCTAssertEqual(Verdict.compose([.holds, .violated, .unknown]), .violated)
        XCTAssertEqual(Verdict.compose([]), .holds)
    }
}
