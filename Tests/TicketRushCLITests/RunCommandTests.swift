import Foundation
import XCTest

/// `ticketrush run` end to end: real buyers, real files, the binary's own output and exit codes.
final class RunCommandTests: XCTestCase {
    private var root: String { CLI.repositoryRoot.path }

    func testLostUpdateAndItsLockedTwin() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try CLI.run(["run", "\(root)/scenarios/first/3-lost-update.yaml", "\(root)/scenarios/first/4-lost-update-locked.yaml",
                             "--trials", "3", "--junit", dir.appendingPathComponent("j.xml").path, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("PASS  lost-update  3 trials"), r.stdout)
        // Lost in ≥ 1 of 3 trials (the expectation); in how many is the scheduler's choice.
        let lost = try XCTUnwrap(CLI.number(#"violated: conservation ([0-9]+)/3"#, in: r.stdout), r.stdout)
        XCTAssertTrue((1...3).contains(lost), r.stdout)
        XCTAssertTrue(r.stdout.contains("PASS  lost-update-locked  3 trials  sold 20 of 20  torn reads 0"), r.stdout)
    }

    func testTornReadAndItsAtomicTwin() throws {
        let dir = try CLI.temporaryFolder(self)
        // 20 trials: under heavy load a trial tears less often (seen: none in 3), never in none of 20.
        let r = try CLI.run(["run", "\(root)/scenarios/first/5-torn-read.yaml", "\(root)/scenarios/first/6-torn-read-atomic.yaml",
                             "--trials", "20", "--junit", dir.appendingPathComponent("j.xml").path, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        // Torn reads need the search to land in the write's gap: expected in some trial, not every one.
        XCTAssertTrue(r.stdout.contains("PASS  torn-read  20 trials"), r.stdout)
        XCTAssertTrue(r.stdout.contains("violated: no-torn-read"), r.stdout)
        XCTAssertTrue(r.stdout.contains("PASS  torn-read-atomic  20 trials  sold 20 of 20  torn reads 0"), r.stdout)
    }

    /// An expectation that is not met fails the run with evidence and a JUnit failure.
    func testUnmetExpectationExitsOneWithEvidence() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: naive
            tickets: 1
            buyers: 5
            delays: {write: 200ms}   # a window no scheduler closes: buyers read together, write 200 ms later
            trials: 2
            seed: 3
            invariants: [no-oversell]
            """, to: "naive.yaml", in: dir)
        let junit = dir.appendingPathComponent("j.xml").path
        let r = try CLI.run(["run", file, "--junit", junit, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("FAIL  naive"), r.stdout)
        // Violated in ≥ 1 of the 2 trials; which one is first is the scheduler's choice.
        let violating = try XCTUnwrap(CLI.number(#"no-oversell \(expected hold\): violated in ([0-9]+) of 2 trials"#, in: r.stdout), r.stdout)
        XCTAssertTrue((1...2).contains(violating), r.stdout)
        let first = try XCTUnwrap(CLI.number(#"rerun: ticketrush run \#(NSRegularExpression.escapedPattern(for: file)) --cell naive --trial ([12]) --seed 3"#,
                                             in: r.stdout), r.stdout)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains("<failure message=\"violated in \(violating) of 2 trials"), xml)
        XCTAssertTrue(xml.contains("first counterexample: trial \(first)"), xml)
    }

    /// A trial past its timeout is torn down and reported, never hung on.
    func testTimeoutKillsTheBuyersAndIsReported() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: slow
            tickets: 1
            buyers: 3
            delays: {search: 30s}
            timeout: 300ms
            seed: 1
            """, to: "slow.yaml", in: dir)
        let started = Date()
        let r = try CLI.run(["run", file, "--junit", dir.appendingPathComponent("j.xml").path, "--reports", dir.appendingPathComponent("reports").path], timeout: 20)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the timeout did not stop the trial")
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("all-finished (expected hold)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("timed out after"), r.stdout)
        XCTAssertTrue(r.stdout.contains("buyer-1 killed by signal 15"), r.stdout)
    }

    func testEventsAndTranscript() throws {
        let dir = try CLI.temporaryFolder(self)
        let events = dir.appendingPathComponent("events")
        let r = try CLI.run(["run", "\(root)/scenarios/first/2-seed-mutex.yaml", "--trials", "2", "--transcript",
                             "--events", events.path, "--junit", dir.appendingPathComponent("j.xml").path, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("seed-mutex — trial 2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("saw 1 left"), r.stdout)
        XCTAssertTrue(r.stdout.contains("bought, 0 left"), r.stdout)
        XCTAssertTrue(r.stdout.contains(": sold out"), r.stdout)
        let log = try String(contentsOf: events.appendingPathComponent("seed-mutex/trial-1.jsonl"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 40)
        var bought = 0
        var lastT: UInt64 = 0
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["t_ns", "buyer", "name", "task", "event"] { XCTAssertNotNil(object[key], "\(key) missing in \(line)") }
            let t = try XCTUnwrap(object["t_ns"] as? NSNumber).uint64Value
            XCTAssertGreaterThanOrEqual(t, lastT, "events out of time order")
            lastT = t
            if object["event"] as? String == "bought" { bought += 1 }
            XCTAssertTrue((object["name"] as? String)?.hasPrefix("路人") ?? false)
        }
        XCTAssertEqual(bought, 1)
    }

    /// --work keeps each trial's folder, and the storage stays inside it.
    func testWorkFolderKeepsTrials() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: nested
            tickets: 3
            buyers: 2
            storage: {path: data/tickets.json}
            lock: {mode: flock, scope: task}
            trials: 2
            """, to: "nested.yaml", in: dir)
        let work = dir.appendingPathComponent("work")
        let r = try CLI.run(["run", file, "--work", work.path, "--junit", dir.appendingPathComponent("j.xml").path, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        for trial in 1...2 {
            let doc = try String(contentsOf: work.appendingPathComponent("nested/trial-\(trial)/data/tickets.json"), encoding: .utf8)
            // The last purchase's version tag beside the count: buyer 1's or buyer 2's first write.
            XCTAssertTrue(["{\"count\": 1, \"version\": 1025}\n", "{\"count\": 1, \"version\": 2049}\n"].contains(doc), doc)
        }
    }

    /// Bad input: located error, exit 2, and nothing written.
    func testBadScenarioExitsTwoAndWritesNothing() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("name: x\ntickets: 1\nbuyers: 2\nlock_mode: flock\n", to: "bad.yaml", in: dir)
        let junit = dir.appendingPathComponent("j.xml").path
        let r = try CLI.run(["run", file, "--junit", junit, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(file):4:1: error: unknown key 'lock_mode' in scenario; did you mean 'lock'?"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: junit))
    }

    func testBadUsageExitsTwo() throws {
        let r = try CLI.run(["run", "--trials", "0"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--trials must be at least 1"), r.stderr)
        let missing = try CLI.run(["run", "/nonexistent/scenario.yaml"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/scenario.yaml:1:1: error: no such file or folder"), missing.stderr)
    }

    /// Ctrl-C stops the buyers, reaps them, and exits 130.
    func testInterruptStopsBuyersAndExits130() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: long
            tickets: 1
            buyers: 4
            delays: {search: 30s}
            """, to: "long-\(UUID().uuidString).yaml", in: dir)
        // Signal only once a trial has begun (its folder exists), never after a guessed sleep.
        let work = dir.appendingPathComponent("work")
        let status = try CLI.interrupt(["run", file, "--junit", dir.appendingPathComponent("j.xml").path,
                                        "--reports", dir.appendingPathComponent("reports").path, "--work", work.path],
                                       ready: { CLI.hasTrialFolder(in: work) })
        XCTAssertEqual(status, 130)
        XCTAssertFalse(CLI.processesRemain(matching: file), "buyer processes survived the interrupt")
    }
}
