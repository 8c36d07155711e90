import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// trials.json is written from `RunRecord`/`ScenarioRecord`, and what `merge` reads back
/// must render exactly what the run rendered from memory: for every shipped scenario.
final class RecordRoundTripTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every scenario file under scenarios/, each loaded on its own.
    static func shippedFiles() throws -> [String] {
        let folder = root.appendingPathComponent("scenarios")
        let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        return files.map { folder.appendingPathComponent($0).path }
    }

    /// The test that catches format 2's lost `program`: load → record → write → read →
    /// render equals the direct render, and the scenario read back equals the one loaded.
    func testEveryShippedScenarioRendersTheSameAfterTheRecordRoundTrip() throws {
        let files = try Self.shippedFiles()
        XCTAssertGreaterThan(files.count, 20, "the shipped scenarios were not found")
        var programs = 0, controlledPrograms = 0
        for file in files {
            let scenarios = try ScenarioFiles.load([file])
            programs += scenarios.filter { $0.program != nil }.count
            controlledPrograms += scenarios.filter { $0.program != nil && $0.schedule.isControlled }.count
            let plan = RunPlan(scenarios: scenarios, seed: 7, trials: 2, onlyTrial: nil)
            let cells = plan.scenarios.indices.map { CellRecord(plan.scenarios[$0], seed: plan.seeds[$0], trials: plan.trialCounts[$0]) }
            // Two trials a cell, or fewer where fewer are planned (a session case of one permutation).
            let trials = plan.scenarios.indices.flatMap { i in
                (0..<min(2, plan.trialCounts[i])).map { Self.trial(plan.scenarios[i], trial: $0, seed: plan.trialSeed(i, trial: $0)) }
            }
            let direct = RunResults(shard: RunResults.Shard(k: 1, n: 1), startedAt: 1_700_000_000.25, cells: cells, trials: trials)
            let stored = try direct.json()
            let back = try RunResults.read(stored)
            XCTAssertEqual(back.cellRecords.map(\.scenario), direct.cellRecords.map(\.scenario), file)
            XCTAssertEqual(back.trials, direct.trials, file)
            for format in ReportFormats.all {
                XCTAssertEqual(String(decoding: try format.render(back), as: UTF8.self), String(decoding: try format.render(direct), as: UTF8.self),
                               "\(format.file) of \(file) differs after the round trip")
            }
            // Merging the one shard renders the run's JUnit, CSV and HTML.
            let merged = try RunResults.merge([back])
            let unsharded = RunResults(shard: nil, startedAt: direct.startedAt, cells: cells, trials: trials)
            for format in ReportFormats.all where ["junit", "csv", "html"].contains(format.name) {
                XCTAssertEqual(try format.render(merged), try format.render(unsharded), "merged \(format.file) of \(file)")
            }
        }
        // The round trip covers what format 2 lost.
        XCTAssertGreaterThan(programs, 5)
        XCTAssertGreaterThan(controlledPrograms, 1)
    }

    /// A judged trial made by hand: every buyer buys (oversold when buyers outnumber the
    /// tickets), the checkers judge it; a controlled cell's trial carries its exploration.
    static func trial(_ s: Scenario, trial: Int, seed: UInt64) -> TrialRecord {
        let buyers = min(s.buyers.count, 5)
        var events: [Event] = []
        var t: UInt64 = 1_000
        for b in 0..<buyers {
            for (kind, value) in [(EventKind.searchRead, 1), (.purchaseRead, 1), (.purchaseWrite, 0), (.bought, 0)] as [(EventKind, Int64)] {
                t += 1_000
                events.append(Event(tNs: t, buyer: b, task: 0, kind: kind, value: value))
            }
        }
        let history = TrialHistory(trial: trial, seed: seed, tickets: s.tickets, buyerNames: (0..<buyers).map { "buyer-\($0 + 1)" },
                                   wants: 1, events: events, exits: Array(repeating: .exited(code: 0), count: buyers),
                                   finalRead: .count(max(0, s.tickets - buyers)), startNs: 1_000, durationNs: t)
        let results = s.invariants.map { $0.checker.judge(history) }
        var record = TrialRecord(history: history, scenario: s.name, results: results, keepTimeline: trial == 1)
        if s.schedule.isControlled {
            record.schedule = "S1.1.\(trial + 1)"
            if trial == 1 {
                record.exploration = ScheduleSummary(strategy: s.schedule.strategy.rawValue, runs: 2, complete: true, violating: 1,
                                                     statement: "2 schedules explored", replay: "S1.1.2")
            }
        }
        return record
    }

    /// `ScenarioRecord` stores every field of `Scenario`: a field added to the model and
    /// not to the record fails here, not in a merged report.
    func testScenarioRecordHasEveryFieldOfTheModel() throws {
        let s = try XCTUnwrap(ScenarioFiles.load([Self.root.appendingPathComponent("scenarios/programs/shell-race-controlled.yaml").path]).first)
        let model = Set(Mirror(reflecting: s).children.compactMap(\.label))
        let record = Set(Mirror(reflecting: ScenarioRecord(s)).children.compactMap(\.label))
        XCTAssertEqual(model, record)
        XCTAssertTrue(model.contains("program"))
        XCTAssertEqual(ScenarioRecord(s).scenario, s)
        XCTAssertNotNil(ScenarioRecord(s).scenario.program)
    }

    /// A trials.json of format 2 (written by the binary of 58754c5: shell-race.yaml --seed 7
    /// --trials 2) is refused naming both formats: it lacks `program`, so reading it would
    /// render a different report from the run's.
    func testFormat2IsRefusedWithAVersionMessage() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/trials-format-2.json"))
        XCTAssertThrowsError(try RunResults.read(data)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("format 2 was written by an older ticketrush"), text)
            XCTAssertTrue(text.contains("this build reads format \(RunRecord.currentFormat)"), text)
        }
        XCTAssertGreaterThan(RunRecord.currentFormat, 2)
    }
}
