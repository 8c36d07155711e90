import Foundation
import XCTest

/// Faults injected into real buyers, through the built binary.
final class FaultTests: XCTestCase {
    private struct LogLine {
        var tNs: UInt64
        var buyer: Int
        var event: String
        var reason: String?
    }

    private func log(_ url: URL) throws -> [LogLine] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return LogLine(tNs: (o["t_ns"] as? NSNumber)?.uint64Value ?? 0, buyer: o["buyer"] as? Int ?? 0,
                           event: o["event"] as? String ?? "", reason: o["reason"] as? String)
        }
    }

    /// A stalled holder keeps the others waiting for exactly its stall, then all goes on.
    func testStallHoldsTheLockForItsDuration() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: stall
            tickets: 1
            buyers: 4
            storage: {write: atomic}
            lock: flock
            faults:
              - stall: {buyers: [2], at: lock.acquired, for: 300ms}
            time_scale: 0.5
            trials: 2
            seed: 1

            """, to: "s.yaml", in: dir)
        let events = dir.appendingPathComponent("events")
        let result = try CLI.run(["run", scenario, "--junit", dir.appendingPathComponent("j.xml").path, "--events", events.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for trial in 1...2 {
            let lines = try log(events.appendingPathComponent("stall/trial-\(trial).jsonl"))
            let acquired = try XCTUnwrap(lines.first { $0.buyer == 2 && $0.event == "lock.acquired" })
            let stall = try XCTUnwrap(lines.first { $0.buyer == 2 && $0.event == "fault.stall" })
            let resume = try XCTUnwrap(lines.first { $0.buyer == 2 && $0.event == "fault.resume" })
            let outcome = try XCTUnwrap(lines.first { $0.buyer == 2 && ($0.event == "bought" || $0.event == "sold-out") })
            XCTAssertLessThanOrEqual(acquired.tNs, stall.tNs)
            // 300 ms × time_scale 0.5: the buyer did nothing in between.
            XCTAssertGreaterThanOrEqual(resume.tNs - stall.tNs, 150_000_000)
            XCTAssertFalse(lines.contains { $0.buyer == 2 && $0.tNs > acquired.tNs && $0.tNs < resume.tNs && !$0.event.hasPrefix("fault.") })
            // Nobody else held the lock while buyer 2 was stopped holding it.
            XCTAssertFalse(lines.contains { $0.buyer != 2 && $0.event == "lock.acquired" && $0.tNs > acquired.tNs && $0.tNs < outcome.tNs })
        }
    }

    /// Probability faults are drawn from the seed: the same seed kills the same buyers.
    func testProbabilityKillsReplayWithTheSeed() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: chaos
            tickets: 5
            buyers: 20
            storage: {write: atomic}   # no torn reads: every buyer reaches search.read
            lock: mutex
            faults:
              - kill: {probability: 0.3, at: search.read}
            trials: 3
            seed: 11
            expect: {all-finished: violated}

            """, to: "s.yaml", in: dir)
        var killedPerRun: [[[Int]]] = []
        for run in 1...2 {
            let events = dir.appendingPathComponent("events-\(run)")
            let result = try CLI.run(["run", scenario, "--junit", dir.appendingPathComponent("j.xml").path, "--events", events.path])
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            killedPerRun.append(try (1...3).map { trial in
                let lines = try log(events.appendingPathComponent("chaos/trial-\(trial).jsonl"))
                let killed = lines.filter { $0.event == "fault.kill" }.map(\.buyer).sorted()
                // Each killed buyer's task is closed as killed; it never got past search.read.
                XCTAssertEqual(lines.filter { $0.reason == "killed" }.map(\.buyer).sorted(), killed)
                for b in killed { XCTAssertFalse(lines.contains { $0.buyer == b && $0.event == "purchase.read" }) }
                return killed
            })
        }
        XCTAssertEqual(killedPerRun[0], killedPerRun[1])
        XCTAssertFalse(killedPerRun[0].allSatisfy(\.isEmpty), "30% of 20 buyers in 3 trials: someone is killed")
        XCTAssertNotEqual(killedPerRun[0][0], killedPerRun[0][1], "trials draw differently")
    }

    /// A buyer killed after its purchase landed did buy: the other invariants count it.
    func testKilledAfterBuyingStillCounts() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: after
            tickets: 2
            buyers: 5
            storage: {write: atomic}
            lock: fcntl
            faults:
              - kill: {buyers: [1, 2, 3, 4, 5], at: bought}
            trials: 2
            seed: 3
            expect: {all-finished: violated}

            """, to: "s.yaml", in: dir)
        let junit = dir.appendingPathComponent("j.xml").path
        let result = try CLI.run(["run", scenario, "--junit", junit])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  after  2 trials  sold 2 of 2"), result.stdout)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains("2 purchases, final count 0 of 2"), xml)
    }

    /// Killed right after announcing its write, the buyer never wrote: the ticket goes to
    /// the next holder and no invariant but all-finished is disturbed (not even unknown).
    func testKilledAtPurchaseWriteNeverWrote() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: before-write
            tickets: 1
            buyers: 4
            storage: {write: atomic}
            lock: flock
            faults:
              - kill: {probability: 1, at: purchase.write, limit: 1}
            trials: 3
            seed: 4
            expect: {all-finished: violated}

            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--junit", dir.appendingPathComponent("j.xml").path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  before-write  3 trials  sold 1 of 1"), result.stdout)
    }

    /// Bad faults stop the run before anything forks, with the place in the file.
    func testBadFaultsAreLocatedErrors() throws {
        let dir = try CLI.temporaryFolder(self)
        let head = "name: bad\ntickets: 1\nbuyers: 3\nfaults:\n"
        let typo = try CLI.write(head + "  - stall: {probability: 0.5, at: purchase.wirte, for: 1s}\n", to: "typo.yaml", in: dir)
        let range = try CLI.write(head + "  - kill: {buyers: [4], at: lock.acquired}\n", to: "range.yaml", in: dir)
        for (file, message) in [(typo, "typo.yaml:5:35: error: 'faults[0].stall.at' must be one of start, search.read"),
                                (range, "range.yaml:5:21: error: 'faults[0].kill.buyers' names buyer 4, but the scenario has 3 buyers")] {
            let result = try CLI.run(["run", file, "--junit", dir.appendingPathComponent("j.xml").path])
            XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("j.xml").path))
    }
}
