import Foundation
import XCTest

/// A run that did not complete never reports green, keeps what finished, and `merge`
/// refuses shards with gaps (issue 9 items 1 and 4), through the built binary.
final class IncompleteRunTests: XCTestCase {
    /// Each trial takes ~120 ms (two buyers one after the other under a task-wide lock, so
    /// every expectation holds whatever the scheduler does): an interrupt after the third
    /// trial starts lands mid-run.
    private let slow = """
        name: slow
        tickets: 1
        buyers: 2
        delays: {search: 30ms, write: 30ms}
        lock: {mode: flock, scope: task}
        trials: 20
        seed: 3
        """

    /// Starts `ticketrush ARGS`, waits until `ready` says so (polling, 60 s at most), sends
    /// SIGINT, and returns the exit status (nothing the run started may outlive it).
    private func interrupt(_ args: [String], when ready: () -> Bool) throws -> Int32 {
        try CLI.interrupt(args, deadline: 60, ready: ready)
    }

    private func exists(_ path: URL) -> Bool { FileManager.default.fileExists(atPath: path.path) }

    func testInterruptedRunReportsIncompleteAndKeepsFinishedTrials() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write(slow, to: "slow.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports"), work = dir.appendingPathComponent("work")
        // A green report from before must not survive as if it were this run's.
        let status = try interrupt(["run", scenario, "--reports", reports.path, "--work", work.path, "--quiet"]) {
            exists(work.appendingPathComponent("slow/trial-3"))
        }
        XCTAssertEqual(status, 130)
        let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"passed\": false"), summary)
        XCTAssertTrue(summary.contains("\"complete\": false"), summary)
        XCTAssertTrue(summary.contains("interrupted by signal"), summary)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("type=\"RunIncomplete\""), junit)
        XCTAssertFalse(junit.contains("errors=\"0\" time"), "the testsuites element must count the error: \(junit.prefix(300))")
        // Trials 1 and 2 finished before trial 3 began: they are kept.
        let trials = try JSONSerialization.jsonObject(with: Data(contentsOf: reports.appendingPathComponent("trials.json"))) as? [String: Any]
        XCTAssertGreaterThanOrEqual((trials?["trials"] as? [Any])?.count ?? 0, 2)
        XCTAssertNotNil(trials?["incomplete"])
    }

    func testInterruptedJobsRunIsNeverGreen() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write(slow, to: "slow.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports"), work = dir.appendingPathComponent("work")
        let status = try interrupt(["run", scenario, "--jobs", "2", "--reports", reports.path, "--work", work.path, "--quiet"]) {
            exists(work.appendingPathComponent("slow/trial-4"))
        }
        XCTAssertEqual(status, 130)
        let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"passed\": false") && summary.contains("\"complete\": false"), summary)
    }

    func testMergeRefusesAnInterruptedOrTamperedShard() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write(slow, to: "slow.yaml", in: dir)
        let one = dir.appendingPathComponent("one"), two = dir.appendingPathComponent("two")
        let whole = try CLI.run(["run", scenario, "--shard", "1/2", "--reports", one.path,
                                 "--work", dir.appendingPathComponent("w1").path, "--quiet"])
        XCTAssertEqual(whole.status, 0, whole.stdout + whole.stderr)
        let work = dir.appendingPathComponent("w2")
        let status = try interrupt(["run", scenario, "--shard", "2/2", "--reports", two.path, "--work", work.path, "--quiet"]) {
            exists(work.appendingPathComponent("slow/trial-4"))
        }
        XCTAssertEqual(status, 130)
        let merged = dir.appendingPathComponent("merged")
        var result = try CLI.run(["merge", one.path, two.path, "--reports", merged.path])
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("shard 2/2 did not complete"), result.stderr)
        XCTAssertFalse(exists(merged.appendingPathComponent("summary.json")), "a refused merge writes no report")

        // A complete shard 2 merges; with one trial dropped from shard 1 it is refused again.
        let full = try CLI.run(["run", scenario, "--shard", "2/2", "--reports", two.path,
                                "--work", dir.appendingPathComponent("w3").path, "--quiet"])
        XCTAssertEqual(full.status, 0, full.stdout + full.stderr)
        result = try CLI.run(["merge", one.path, two.path, "--reports", merged.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let file = one.appendingPathComponent("trials.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var list = try XCTUnwrap(json["trials"] as? [Any])
        list.removeFirst()
        json["trials"] = list
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        result = try CLI.run(["merge", one.path, two.path, "--reports", merged.path])
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("slow is missing 1 trial of 20: 1"), result.stderr)
    }
}
