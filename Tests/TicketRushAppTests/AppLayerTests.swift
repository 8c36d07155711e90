import Foundation
import XCTest
import TicketRushApp
import TicketRushModel
import TicketRushFormat
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// The application layer without the binary: each command is a function that returns its
/// exit code and lines. (Trials fork, which this multi-threaded test process must not do:
/// the paths below stop before the first trial, or merge records made here.)
final class AppLayerTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A console that keeps what the command printed while it worked.
    final class Printed: @unchecked Sendable {
        var out: [String] = [], err = ""
        var console: Console { Console(out: { self.out.append($0) }, err: { self.err += $0 }) }
    }

    func write(_ text: String, _ name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func options(_ paths: [String]) -> RunOptions {
        var o = RunOptions()
        o.paths = paths
        o.reports = folder.appendingPathComponent("reports").path
        o.work = folder.appendingPathComponent("work").path
        o.environment = [:]
        return o
    }

    let race = "name: race\ntickets: 1\nbuyers: 2\n"

    func testBadOptionsAndFilesExit2BeforeAnythingIsWritten() throws {
        var o = options([try write(race, "race.yaml")])
        o.jobs = 0
        XCTAssertEqual(RunApp.run(o, console: Printed().console), Outcome(code: 2, lines: [.init(stream: .err, text: "ticketrush: error: --jobs must be from 1 to 256")]))
        let bad = try write("name: bad\ntickets: many\nbuyers: 2\n", "bad.yaml")
        let outcome = RunApp.run(options([bad]), console: Printed().console)
        XCTAssertEqual(outcome.code, 2)
        XCTAssertTrue(outcome.err.joined().contains("\(bad):2:"), outcome.err.joined())
        XCTAssertFalse(FileManager.default.fileExists(atPath: o.reports), "a refused run wrote its reports folder")
    }

    func testAnUnknownCellAndAnUnseededShardAreRefused() throws {
        var o = options([try write(race, "race.yaml")])
        o.cell = "nope"
        var outcome = RunApp.run(o, console: Printed().console)
        XCTAssertEqual(outcome.code, 2)
        XCTAssertEqual(outcome.err, ["ticketrush: error: no scenario or cell named 'nope'; there are: race"])
        o.cell = nil
        o.shard = "1/2"
        outcome = RunApp.run(o, console: Printed().console)
        XCTAssertEqual(outcome.code, 2)
        XCTAssertTrue(outcome.err[0].contains("--shard needs fixed seeds"), outcome.err[0])
        o.shard = "auto"
        o.environment = ["CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "2"]
        outcome = RunApp.run(o, console: Printed().console)
        XCTAssertEqual(outcome.err, ["ticketrush: error: --shard auto: GitLab CI_NODE_INDEX=3/CI_NODE_TOTAL=2 gives shard 3 of 2, not 1…2"])
    }

    func testAutoShardReadsEachCIEngine() {
        XCTAssertEqual(try CISupport.autoShard(["CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"], shards: nil).get().k, 2)
        XCTAssertEqual(try CISupport.autoShard(["JOB_COMPLETION_INDEX": "0"], shards: 3).get().n, 3)
        XCTAssertEqual(try CISupport.autoShard(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_COUNT": "2"], shards: nil).get().k, 1)
        XCTAssertThrowsError(try CISupport.autoShard(["JOB_COMPLETION_INDEX": "0"], shards: nil).get())
        XCTAssertThrowsError(try CISupport.autoShard([:], shards: nil).get())
    }

    func testBoundsRefuseSharedFoldersTrialsPastTheCountAndLongPaths() throws {
        let a = Scenario(name: "rush a", tickets: 1, buyers: BuyerGroup(count: 2))
        let b = Scenario(name: "rush a", tickets: 1, buyers: BuyerGroup(count: 2), trials: 3)
        XCTAssertNotNil(RunBounds.problem(scenarios: [a, b], trials: nil, trial: nil))
        XCTAssertEqual(RunBounds.problem(scenarios: [b], trials: nil, trial: 4), "--trial 4 is past the 3 trials of 'rush a'; give a trial from 1 to 3")
        XCTAssertNil(RunBounds.problem(scenarios: [b], trials: nil, trial: 3))
        XCTAssertNotNil(RunBounds.pathProblem(scenarios: [b], trialCounts: [3], work: String(repeating: "w", count: pathMax), events: nil))
        XCTAssertNil(RunBounds.pathProblem(scenarios: [b], trialCounts: [3], work: "/tmp", events: nil))
    }

    /// Results made here, written as a run writes them (every registered report, atomically).
    func results(_ name: String, passed: Bool, shard: RunResults.Shard? = nil) -> RunResults {
        let s = Scenario(name: name, tickets: passed ? 5 : 1, buyers: BuyerGroup(count: 2), seed: 3)
        return RunResults(shard: shard, startedAt: 5, cells: [CellRecord(s, seed: 3, trials: 2)],
                          trials: (0..<2).map { RecordRoundTripTests.trial(s, trial: $0, seed: Seed.trial(3, cell: nil, index: $0)) })
    }

    func writeReports(_ r: RunResults, _ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let outputs = try ReportFiles.Outputs.prepare(reports: path, junit: nil, events: nil, waiting: { _ in })
        defer { outputs.release() }
        try ReportFiles.write(r, to: outputs)
        return path
    }

    func testReportsWrittenAreExactlyTheRegisteredOnes() throws {
        let path = try writeReports(results("ok", passed: true), "written")
        let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(Set(files), Set(ReportFormats.all.map(\.file)))
        XCTAssertEqual(Set(ReportFormats.all.map(\.name)).count, ReportFormats.all.count, "two reports share a name")
        XCTAssertEqual(Set(ReportFormats.all.map(\.file)).count, ReportFormats.all.count, "two reports share a file")
    }

    /// docs/results.md's table of reports is the registry's, generated (edit ReportFormats, then paste this).
    func testDocsListTheRegisteredReports() throws {
        let docs = try String(contentsOf: RecordRoundTripTests.root.appendingPathComponent("docs/results.md"), encoding: .utf8)
        let begin = "<!-- reports:begin (generated from ReportFormats.all; AppLayerTests checks it) -->\n", end = "\n<!-- reports:end -->"
        let start = try XCTUnwrap(docs.range(of: begin), "docs/results.md has no reports:begin marker")
        let stop = try XCTUnwrap(docs.range(of: end, range: start.upperBound..<docs.endIndex))
        XCTAssertEqual(String(docs[start.upperBound..<stop.lowerBound]), ReportFormats.markdownTable)
    }

    func testMergeOfShardsWritesTheReportsAndItsExitCodeIsTheVerdict() throws {
        let passing = try writeReports(results("ok", passed: true, shard: .init(k: 1, n: 1)), "p1")
        var o = MergeApp.Options(folders: [passing])
        o.reports = folder.appendingPathComponent("merged").path
        o.quiet = true
        let met = MergeApp.run(o, console: Printed().console)
        XCTAssertEqual(met.code, 0, "\(met.lines)")
        XCTAssertEqual(met.out.last, "ticketrush: 7 of 7 expectations met")
        let failing = try writeReports(results("sold-twice", passed: false, shard: .init(k: 1, n: 1)), "f1")
        o.folders = [failing]
        XCTAssertEqual(MergeApp.run(o, console: Printed().console).code, 1)
        o.folders = [passing, failing]
        let mixed = MergeApp.run(o, console: Printed().console)
        XCTAssertEqual(mixed.code, 2)
        XCTAssertTrue(mixed.err[0].contains("different runs"), mixed.err[0])
    }

    func testMergeRefusesAMissingShardAndItsOwnShardFolder() throws {
        let shard = try writeReports(results("ok", passed: true, shard: .init(k: 1, n: 1)), "s1")
        var o = MergeApp.Options(folders: [shard])
        o.reports = shard
        let into = MergeApp.run(o, console: Printed().console)
        XCTAssertEqual(into.code, 2)
        XCTAssertTrue(into.err[0].contains("is the shard folder"), into.err[0])
        o.folders = [folder.appendingPathComponent("none").path]
        o.reports = folder.appendingPathComponent("merged").path
        XCTAssertEqual(MergeApp.run(o, console: Printed().console).err, ["\(o.folders[0])/trials.json:1:1: error: no such file (not a report folder of `ticketrush run`?)"])
    }

    func testRerunFailedWithNothingFailedRunsNothing() throws {
        var o = options([])
        o.reports = try writeReports(results("ok", passed: true), "previous")
        o.rerunFailed = true
        let outcome = RunApp.run(o, console: Printed().console)
        XCTAssertEqual(outcome, Outcome(code: 0, lines: [.init(stream: .out, text: "ticketrush: every cell of the previous run in \(o.reports)/ passed: nothing to rerun")]))
        o.reports = folder.appendingPathComponent("never").path
        XCTAssertEqual(RunApp.run(o, console: Printed().console).code, 2)
    }

    func testValidateReportsEveryFileWithItsPlace() throws {
        let good = try write(race, "good.yaml"), bad = try write("name: bad\ntickets: -1\nbuyers: 2\n", "bad.yaml")
        var o = ValidateApp.Options()
        o.paths = [good]
        XCTAssertEqual(ValidateApp.run(o, stdin: nil, machine: []).code, 0)
        o.paths = [good, bad]
        let outcome = ValidateApp.run(o, stdin: nil, machine: [])
        XCTAssertEqual(outcome.code, 2)
        XCTAssertTrue(outcome.out.joined().contains("\(bad):2:"), outcome.out.joined())
        let machine = Diagnostic(at: SourceLocation(path: good, line: 1, column: 1), "scenario 'race' uses storage.kind redis, but hiredis is missing")
        XCTAssertTrue(ValidateApp.run(o, stdin: nil, machine: [machine]).out.joined().contains("hiredis is missing"))
    }

    /// The progress line may count a cell's planned trials as work to come only when they
    /// will all run: a search's runs are a budget (an exhaustive cell showed
    /// `trials 644/2301305 … ETA 10726:15` in .ci/run).
    func testASearchPlansOnlyABound() throws {
        let load = { (yaml: String) in try ScenarioLoader().load(data: Data(yaml.utf8), path: "t.yaml")[0] }
        XCTAssertTrue(TrialLoop.plansOnlyABound(try load("name: a\ntickets: 1\nbuyers: 2\nschedule: exhaustive\n")))
        XCTAssertTrue(TrialLoop.plansOnlyABound(try load("name: b\ntickets: 1\nbuyers: 2\nschedule: {strategy: random, runs: 50}\n")))
        XCTAssertTrue(TrialLoop.plansOnlyABound(try load("name: c\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: 0.1}, max: 100}\n")))
        XCTAssertFalse(TrialLoop.plansOnlyABound(try load("name: d\ntickets: 1\nbuyers: 2\ntrials: 20\n")))
    }
}
