import Foundation
import XCTest

/// Every lock mode with real forked buyers, through the built binary.
final class LockModeTests: XCTestCase {
    static let modes = ["flock", "fcntl", "semaphore", "mutex", "lockfile", "optimistic"]

    /// The shipped scenarios/locks/: each mode holds under the race, oversells with scope
    /// write, and recovers from (or deadlocks on, diagnosed) a killed holder.
    func testShippedLockScenariosMeetTheirExpectations() throws {
        let dir = try CLI.temporaryFolder(self)
        let junit = dir.appendingPathComponent("junit.xml").path
        let result = try CLI.run(["run", CLI.repositoryRoot.appendingPathComponent("scenarios/locks").path,
                                  "--junit", junit, "--trials", "3"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for mode in Self.modes {
            XCTAssertTrue(result.stdout.contains("PASS  locks-\(mode)-race  3 trials  sold 1 of 1"), result.stdout)
            // Usually all 10 buy; a buyer the scheduler delays may see the count already written.
            XCTAssertTrue(result.stdout.contains("PASS  locks-\(mode)-write-scope  3 trials  sold "), result.stdout)
            XCTAssertTrue(result.stdout.contains("PASS  locks-\(mode)-holder-killed  3 trials"), result.stdout)
        }
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        // The deadlocked modes are diagnosed: blocked buyers and the dead holder by name.
        XCTAssertTrue(xml.contains("buyers blocked on semaphore /ticketrush-"), xml)
        XCTAssertTrue(xml.contains("buyers blocked on lock file db.json.lock, held by 路人"), xml)
        XCTAssertTrue(xml.contains("(killed by a fault at "), xml)
        // Every trial's semaphore is unlinked, the deadlocked ones included: none named after this run's pid is left.
        let pid = try XCTUnwrap(xml.firstMatch(of: /semaphore \/ticketrush-(\d+)-/)?.output.1, xml)
        XCTAssertEqual(Self.ticketrushSemaphores().filter { $0.hasPrefix("sem.ticketrush-\(pid)-") }, [])
    }

    /// Every mode × scope × write mode: scopes purchase and task hold, scope write oversells.
    func testEveryModeWorksWithEveryScopeAndWriteMode() throws {
        let dir = try CLI.temporaryFolder(self)
        var documents: [String] = []
        var expectations = 0
        for mode in Self.modes {
            for scope in ["purchase", "task", "write"] {
                for write in ["in-place", "atomic"] {
                    // Scope write must oversell in ≥ 1 of 3 trials: its write delay (taken before the
                    // lock, so in parallel) is a window wide enough that no scheduler closes it.
                    let writeDelay = scope == "write" ? "30ms" : "1ms"
                    var doc = """
                        name: m-\(mode)-\(scope)-\(write)
                        tickets: 3
                        buyers: {count: 6, wants: 2}
                        delays: {search: {uniform: [0, 2ms]}, write: \(writeDelay), truncate: 200us}
                        storage: {write: \(write)}
                        lock: {mode: \(mode), scope: \(scope)}
                        trials: 3
                        seed: 5

                        """
                    if scope == "write" {
                        doc += "invariants: [no-oversell, one-outcome, all-finished, no-deadlock]\nexpect: {no-oversell: violated}\n"
                        expectations += 4
                    } else if write == "in-place" && (scope == "purchase" || mode == "optimistic") {
                        // Unlocked reads can meet a truncated file: that is the torn-read effect, not a lock
                        // failure. A torn read ends its task in error, so tickets can stay unsold too: neither
                        // no-torn-read nor no-undersell is the lock's to keep here.
                        doc += "invariants: [no-oversell, conservation, one-outcome, all-finished, no-deadlock]\n"
                        expectations += 5
                    } else {
                        expectations += 7
                    }
                    documents.append(doc)
                }
            }
        }
        let path = try CLI.write(documents.joined(separator: "---\n"), to: "matrix.yaml", in: dir)
        let result = try CLI.run(["run", path, "--junit", dir.appendingPathComponent("j.xml").path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("ticketrush: \(expectations) of \(expectations) expectations met\n"), result.stdout)
    }

    /// The robust mutex says in the log that it recovered from its dead holder, and the
    /// next holder buys the ticket.
    func testMutexRecoversFromADeadHolder() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write(Self.killedHolder("mutex"), to: "s.yaml", in: dir)
        let events = dir.appendingPathComponent("events")
        let result = try CLI.run(["run", scenario, "--junit", dir.appendingPathComponent("j.xml").path, "--events", events.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for trial in 1...3 {
            let log = try String(contentsOf: events.appendingPathComponent("killed/trial-\(trial).jsonl"), encoding: .utf8)
            let lines = log.split(separator: "\n")
            let kill = try XCTUnwrap(lines.firstIndex { $0.contains("\"event\":\"fault.kill\"") }, log)
            let recovered = try XCTUnwrap(lines.firstIndex { $0.contains("\"event\":\"lock.recovered\"") }, log)
            XCTAssertLessThan(kill, recovered)
            XCTAssertEqual(lines.filter { $0.contains("\"event\":\"bought\"") }.count, 1, log)
            XCTAssertEqual(lines.filter { $0.contains("\"reason\":\"killed\"") }.count, 1, log)
        }
    }

    /// Each mode with its first holder killed, alone: kernel-released locks recover,
    /// the semaphore and the lock file deadlock and the report names the dead holder.
    func testEveryModeWithADeadHolder() throws {
        for mode in Self.modes {
            let dir = try CLI.temporaryFolder(self)
            let scenario = try CLI.write(Self.killedHolder(mode), to: "s.yaml", in: dir)
            let result = try CLI.run(["run", scenario, "--junit", dir.appendingPathComponent("j.xml").path])
            let deadlocks = mode == "semaphore" || mode == "lockfile"
            if deadlocks {
                XCTAssertEqual(result.status, 1, mode + result.stdout + result.stderr)
                XCTAssertTrue(result.stdout.contains("FAIL  killed  3 trials  sold 0 of 1"), mode + result.stdout)
                XCTAssertTrue(result.stdout.contains("no-deadlock (expected hold): violated in 3 of 3 trials"), mode + result.stdout)
                XCTAssertTrue(result.stdout.contains("9 buyers blocked on"), mode + result.stdout)
                XCTAssertTrue(result.stdout.contains("and never released it: killed by a fault at"), mode + result.stdout)
            } else {
                XCTAssertEqual(result.status, 0, mode + result.stdout + result.stderr)
                XCTAssertTrue(result.stdout.contains("PASS  killed  3 trials  sold 1 of 1"), mode + result.stdout)
            }
        }
    }

    /// Optimistic buyers that keep losing the version check run out of retries: an error
    /// outcome with its own reason, and the retries are in the log.
    func testOptimisticRetriesRunOut() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: retries
            tickets: 1
            buyers: 5
            delays: {write: 200ms}   # buyers read together and commit 200 ms later: all but one lose
            lock: {mode: optimistic, retries: 0}
            trials: 2
            seed: 1
            invariants: [no-oversell, conservation, one-outcome, no-undersell]

            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--junit", dir.appendingPathComponent("j.xml").path, "--transcript"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains(": error (out of retries)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("sold 1 of 1"), result.stdout)

        let patient = try CLI.write("""
            name: patient
            tickets: 2
            buyers: 5
            delays: {write: 100ms}
            storage: {write: atomic}
            lock: optimistic
            trials: 2
            seed: 1

            """, to: "p.yaml", in: dir)
        let events = dir.appendingPathComponent("events")
        let ok = try CLI.run(["run", patient, "--junit", dir.appendingPathComponent("p.xml").path, "--events", events.path])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        // A retry in some trial; which one is the scheduler's choice.
        let logs = try (1...2).map { try String(contentsOf: events.appendingPathComponent("patient/trial-\($0).jsonl"), encoding: .utf8) }
        XCTAssertTrue(logs.contains { $0.contains("\"event\":\"purchase.retry\"") }, logs.joined())
    }

    static func killedHolder(_ mode: String) -> String {
        // A short timeout only where the trial is meant to deadlock; the others get room for a loaded machine.
        let timeout = mode == "semaphore" || mode == "lockfile" ? "1s" : "30s"
        return """
        name: killed
        tickets: 1
        buyers: {count: 10, name: "路人{n}"}
        delays: {search: 1s, write: 1s}
        time_scale: 0.01
        lock: \(mode)
        faults:
          - kill: {probability: 1, at: lock.acquired, limit: 1}
        trials: 3
        seed: 2
        timeout: \(timeout)
        expect: {all-finished: violated}

        """
    }

    /// Named semaphores this tool made that exist now (glibc keeps them in /dev/shm).
    static func ticketrushSemaphores() -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []).filter { $0.hasPrefix("sem.ticketrush-") })
    }
}
