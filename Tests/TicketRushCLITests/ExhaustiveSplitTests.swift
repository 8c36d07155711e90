import Foundation
import TicketRushTestSupport
import XCTest

/// `--jobs N` on a bounded exhaustive cell (ExhaustiveSplit): the runner runs the top of the
/// tree, workers the subtrees, and the result is the serial search's: the same schedules in
/// the same order, verdicts, coverage, `complete` and first counterexample — with
/// `--fail-fast` too, where the workers on later subtrees stop early.
final class ExhaustiveSplitTests: XCTestCase {
    /// Every trial without its times (as ScheduleJobsTests compares them), with `complete`.
    private func facts(_ reports: URL) throws -> [String] {
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(doc["trials"] as? [[String: Any]]).map { t in
            let results = (t["results"] as? [[String: Any]] ?? []).map { "\($0["invariant"]!)=\($0["verdict"]!)" }.sorted()
            var line = "\(t["scenario"]!) #\(t["trial"]!) \(t["schedule"] ?? "-") \(results.joined(separator: ",")) timeline=\(t["timeline"] != nil)"
            if let x = t["exploration"] as? [String: Any] {
                line += " | \(x["statement"]!) | runs=\(x["runs"]!) violating=\(x["violating"]!) complete=\(x["complete"] ?? "-")"
                line += " first=\(x["replay"] ?? "-") \(x["replayCommand"] ?? "-") shrunk=\(x["shrunk"] ?? "-") story=\(x["story"] ?? "-")"
            }
            return line
        }
    }

    /// The schedules run, from the folders `--work` keeps: the runner's are numbered from 1,
    /// those of subtree i (in a worker) from (i + 1) × 10⁹.
    private func scheduleFolders(_ work: URL, cell: String) throws -> (runner: Int, subtrees: Set<Int>, total: Int) {
        let names = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent(cell).path)
        let numbers = names.filter { $0.hasPrefix("trial-") }.compactMap { Int($0.dropFirst(6)) }
        let below = numbers.filter { $0 < 1_000_000_000 }
        return (below.count, Set(numbers.filter { $0 >= 1_000_000_000 }.map { $0 / 1_000_000_000 - 1 }), numbers.count)
    }

    /// The shipped exhaustive cells of torn-read.yaml and locks.yaml bounded to 2 preemptions,
    /// and seed-race.yaml's 3-buyer cell as shipped (shrunk and told as a story).
    func testBoundedExhaustiveCellsSplitAcrossJobsEqualOneProcess() throws {
        let dir = try CLI.temporaryFolder(self)
        var documents: [String] = []
        for name in ["torn-read.yaml", "locks.yaml"] {
            let text = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("scenarios/schedules/\(name)"), encoding: .utf8)
            documents += text.components(separatedBy: "\n---\n").filter { $0.contains("schedule: exhaustive") }.map {
                $0.replacingOccurrences(of: "schedule: exhaustive", with: "schedule: {strategy: exhaustive, preemptions: 2, shrink: 0}")
            }
        }
        XCTAssertGreaterThanOrEqual(documents.count, 8)
        let bounded = try CLI.write(documents.joined(separator: "\n---\n"), to: "bounded.yaml", in: dir)
        let seedRace = CLI.repositoryRoot.appendingPathComponent("scenarios/schedules/seed-race.yaml").path
        var seen: [Int: [String]] = [:]
        for jobs in [1, 2, 3] {
            var facts: [String] = []
            for (i, args) in [[bounded], [seedRace, "--cell", "schedules-seed-race-3"]].enumerated() {
                let reports = dir.appendingPathComponent("r\(jobs)-\(i)"), work = dir.appendingPathComponent("w\(jobs)-\(i)")
                let r = try CLI.run(["run"] + args + ["--jobs", "\(jobs)", "--reports", reports.path, "--work", work.path, "--quiet"], timeout: 600)
                XCTAssertNotEqual(r.status, 2, r.stdout + r.stderr)
                XCTAssertNotEqual(r.status, 3, r.stdout + r.stderr)
                facts += try self.facts(reports)
                if jobs > 1, i == 1 {
                    // The split is real: workers ran subtrees (which worker ran which is the
                    // workers' race for the queue: not asserted).
                    let ran = try scheduleFolders(work, cell: "schedules-seed-race-3")
                    XCTAssertEqual(ran.total, 36, "each schedule ran once")
                    XCTAssertFalse(ran.subtrees.isEmpty, "no subtree ran in a worker: \(ran)")
                    XCTAssertLessThan(ran.runner, 36, "the runner ran only the top of the tree: \(ran)")
                }
            }
            seen[jobs] = facts
        }
        let one = try XCTUnwrap(seen[1])
        let lasts = one.filter { $0.contains(" | exhaustive: ") }
        XCTAssertEqual(lasts.count, documents.count + 1, one.joined(separator: "\n"))
        XCTAssertTrue(lasts.allSatisfy { $0.contains("complete=1") || $0.contains("complete=true") }, lasts.joined(separator: "\n"))
        XCTAssertTrue(one.contains { $0.contains("36 schedules of 3 buyers × up to 12 steps with ≤ 2 preemptions") }, lasts.joined(separator: "\n"))
        XCTAssertTrue(one.contains { $0.contains("no-torn-read=violated") }, "the torn read must be found")
        for jobs in [2, 3] {
            let other = try XCTUnwrap(seen[jobs])
            XCTAssertEqual(other.count, one.count, "--jobs \(jobs) ran another number of schedules")
            for (a, b) in zip(one, other) where a != b { XCTFail("--jobs \(jobs) differs:\n  1: \(a)\n  \(jobs): \(b)") }
        }
    }

    /// `--fail-fast`: the split search reports what one process reports (the schedules up to
    /// the serial search's first counterexample, the 90th of 347), and the workers on later
    /// subtrees stop: without that they would run every subtree that has no counterexample
    /// of its own (256 schedules in all).
    func testFailFastSplitStopsEveryWorkerAndReportsTheSerialFirstCounterexample() throws {
        let dir = try CLI.temporaryFolder(self)
        // torn-read.yaml's seed-mutex with 4 buyers: a torn read needs a preemption inside
        // the holder's write, so counterexamples are few and none comes early.
        let file = try CLI.write("""
            name: torn4
            tickets: 1
            buyers: 4
            lock: {mode: flock, scope: purchase}
            schedule: {strategy: exhaustive, preemptions: 2, shrink: 0}
            seed: 1
            invariants: [no-oversell, no-torn-read]
            """, to: "torn4.yaml", in: dir)
        var seen: [Int: [String]] = [:]
        for jobs in [1, 2] {
            let reports = dir.appendingPathComponent("f\(jobs)"), work = dir.appendingPathComponent("w\(jobs)")
            let r = try CLI.run(["run", file, "--fail-fast", "--jobs", "\(jobs)", "--reports", reports.path, "--work", work.path, "--quiet"],
                                timeout: 600)
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            seen[jobs] = try facts(reports)
            let ran = try scheduleFolders(work, cell: "torn4")
            if jobs == 1 { XCTAssertEqual(ran.total, 90) }
            XCTAssertLessThan(ran.total, 200, "the workers went on past the counterexample: \(ran)")
            if jobs == 2 { XCTAssertFalse(ran.subtrees.isEmpty, "no subtree ran in a worker: \(ran)") }
        }
        let one = try XCTUnwrap(seen[1])
        let last = try XCTUnwrap(one.last)
        XCTAssertTrue(last.contains("stopped at the first counterexample (--fail-fast)") && last.contains("(INCOMPLETE)"), last)
        XCTAssertEqual(one.filter { $0.contains("=violated") }.count, 1, one.joined(separator: "\n"))
        XCTAssertTrue(last.hasPrefix("torn4 #89 ") && last.contains("no-torn-read=violated"), last)
        XCTAssertEqual(seen[2], one)
        // Without --fail-fast the same space runs to its end.
        let full = dir.appendingPathComponent("full")
        let r = try CLI.run(["run", file, "--jobs", "2", "--reports", full.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let whole = try XCTUnwrap(try facts(full).last)
        XCTAssertTrue(whole.contains("347 schedules of 4 buyers") && whole.contains("violated in 24"), whole)
    }
}
