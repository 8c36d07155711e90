import Foundation
import TicketRushTestSupport
import XCTest

/// `ticketrush fanout` through the built binary: local shards merged equal one machine's run
/// trial by trial; a shard killed is named and leaves the verdict incomplete (or, with
/// --retries, runs again); every engine's --dry-run is a valid description whose command
/// lines the real CLI parses.
final class FanoutCLITests: XCTestCase {
    /// Verdicts no scheduler can change: controlled schedules (one unit per cell, replayed
    /// from the seed) and a locked timing scenario (one unit per trial) that holds always.
    private let deterministic = """
        name: fan-sweep
        tickets: 1
        buyers: 2
        lock: none
        schedule: {strategy: random, runs: 6}
        seed: 3
        matrix:
          lock.mode: [none, flock]
          buyers.count: [2, 3]
        ---
        name: fan-locked
        tickets: 2
        buyers: 3
        lock: flock
        storage: {write: atomic}   # no torn read either: every verdict holds in every trial
        trials: 5
        seed: 4
        invariants: [no-oversell, conservation, no-torn-read, all-finished]
        expect: {no-oversell: hold, conservation: hold, no-torn-read: hold}
        """

    /// (scenario, trial, seed, every invariant's verdict) of each trial of a trials.json.
    private func trials(_ folder: URL) throws -> [String] {
        let data = try Data(contentsOf: folder.appendingPathComponent("trials.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try XCTUnwrap(root["trials"] as? [[String: Any]])
        return list.map { t in
            let verdicts = ((t["results"] as? [[String: Any]]) ?? []).map { "\($0["invariant"] ?? "")=\($0["verdict"] ?? "")" }.sorted()
            return "\(t["scenario"] ?? "") #\(t["trial"] ?? "") seed \(t["seed"] ?? "") \(verdicts.joined(separator: ","))"
        }.sorted()
    }

    func testThreeLocalShardsMergedEqualOneMachinesRun() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(deterministic, to: "fan.yaml", in: dir)
        let single = dir.appendingPathComponent("single"), fanned = dir.appendingPathComponent("fanned")
        let one = try CLI.run(["run", file, "--quiet", "--reports", single.path], in: dir)
        let fan = try CLI.run(["fanout", "--via", "local", "--shards", "3", file, "--quiet", "--reports", fanned.path], in: dir)
        XCTAssertEqual(fan.status, one.status, "fanout: \(fan.stdout)\(fan.stderr)\nrun: \(one.stderr)")
        let a = try trials(single), b = try trials(fanned)
        XCTAssertEqual(a.count, 4 * 6 + 5)
        XCTAssertEqual(b, a, "the fan-out's trials differ from one machine's")
        for k in 1...3 { XCTAssertTrue(FileManager.default.fileExists(atPath: fanned.appendingPathComponent("shards/\(k)/trials.json").path)) }
        let summary = try String(contentsOf: fanned.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"complete\": true"), summary)
    }

    /// One buyer per trial that waits for RELEASE: every shard is running when shard 2 is killed,
    /// whatever the scheduler does, and the others finish only once the test lets them.
    private func gated(_ dir: URL) throws -> (file: String, release: URL) {
        let release = dir.appendingPathComponent("RELEASE")
        let file = try CLI.write("""
            name: gated
            tickets: 1
            buyers:
              count: 1
              command: [sh, -c, "while [ ! -e '\(release.path)' ]; do sleep 0.02; done; echo bought"]
            outcomes: {bought: '^bought$'}
            invariants: [no-oversell, all-finished]
            expect: {no-oversell: hold, all-finished: hold}
            trials: 3
            timeout: 120s
            seed: 9
            """, to: "gated.yaml", in: dir)
        return (file, release)
    }

    /// Starts the fan-out, waits until shard 2 runs, kills it, then releases the others.
    private func killShardTwo(_ extra: [String], in dir: URL) throws -> CommandResult {
        let (file, release) = try gated(dir)
        let reports = dir.appendingPathComponent("fanned").path
        let running = try TicketRushBinary.start(["fanout", "--via", "local", "--shards", "3", file, "--reports", reports] + extra, in: dir)
        defer { running.kill() }
        var victim: pid_t?
        XCTAssertTrue(poll(within: 60) {
            // The runner of shard 2 is the fan-out's child (its forked keepers share its command line).
            victim = ProcessTable.snapshot().values.first { $0.ppid == running.pid && ProcessTable.commandLine($0.pid).contains("--shard 2/3") }?.pid
            return victim != nil || !running.isRunning
        }, "shard 2 never started")
        if let victim { kill(victim, SIGKILL) }
        XCTAssertTrue(FileManager.default.createFile(atPath: release.path, contents: Data()))
        return try running.finish(timeout: 120)
    }

    func testAKilledLocalShardIsNamedAndTheVerdictIsIncomplete() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try killShardTwo([], in: dir)
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("shard 2/3 lost (process"), r.stderr)
        XCTAssertTrue(r.stderr.contains("killed by signal 9"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--shard 2/3"), "no command to rerun the shard: \(r.stderr)")
        let reports = dir.appendingPathComponent("fanned")
        let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"passed\": false"), summary)
        XCTAssertTrue(summary.contains("\"complete\": false"), summary)
        XCTAssertTrue(summary.contains("shard 2/3 lost"), summary)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("RunIncomplete"), junit)
    }

    func testAKilledLocalShardRunsAgainWithRetries() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try killShardTwo(["--retries", "1"], in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("shard 2/3 lost (process"), r.stderr)
        XCTAssertTrue(r.stderr.contains("submitting it again (1 of 1)"), r.stderr)
        let summary = try String(contentsOf: dir.appendingPathComponent("fanned/summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"complete\": true"), summary)
    }
}
