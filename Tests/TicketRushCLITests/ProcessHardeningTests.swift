import Foundation
import TicketRushTestSupport
import XCTest

/// Faults to the runner's own processes, end to end through the binary: dead and frozen
/// workers, a runner killed mid-deadlock, and a terminal that cannot be written.
/// Readiness is waited for (trial folders, buyer processes), never slept for.
final class ProcessHardeningTests: XCTestCase {
    // The process table and the spawner are TicketRushTestSupport's, shared by every target.
    typealias Proc = ProcessTable.Entry
    typealias Spawned = TicketRushTestSupport.Spawned

    static func processTable() -> [pid_t: Proc] { ProcessTable.snapshot() }
    static func descendants(of root: pid_t) -> [Proc] { ProcessTable.descendants(of: root) }
    static func survivors(pids: Set<pid_t>, groups: Set<pid_t>) -> [Proc] { ProcessTable.survivors(pids: pids, groups: groups) }

    /// Polls `condition` until true or `seconds` pass; returns whether it became true.
    @discardableResult
    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool { poll(within: seconds, condition) }

    func start(_ args: [String], in dir: URL) throws -> Spawned {
        let run = try Spawned(CLI.binary.path, args, dir: dir)
        // Never leave a runner behind; and nothing it started (found by marker, whatever its ancestry) may outlive it.
        addTeardownBlock { if run.isRunning { run.wait(0) }; TicketRushBinary.assertNothingOutlives(run) }
        return run
    }

    /// Kills everything recorded that is still alive, so a failing test leaves nothing behind.
    func cleanUp(pids: Set<pid_t>, groups: Set<pid_t>) {
        for p in Self.survivors(pids: pids, groups: groups) { kill(p.pid, SIGKILL); kill(p.pid, SIGCONT) }
    }

    /// The lockfile scenario whose first holder is killed: everyone else retries until the timeout.
    func deadlockScenario(_ dir: URL, mode: String = "lockfile", trials: Int = 4) throws -> String {
        try CLI.write("""
            name: deadlock-\(mode)
            tickets: 1
            buyers: 6
            delays: {search: 10ms, write: 10ms}
            lock: {mode: \(mode), scope: purchase}
            faults:
              - kill: {probability: 1, at: lock.acquired, limit: 1}
            trials: \(trials)
            seed: 3
            timeout: 60s
            expect: {all-finished: violated, no-deadlock: violated}

            """, to: "deadlock-\(mode).yaml", in: dir)
    }

    /// Waits until the runner's workers have buyers stuck in the deadlock; returns the workers.
    func waitForWorkersWithBuyers(_ runner: pid_t, work: URL, workers: Int) -> [pid_t] {
        var found: [pid_t] = []
        let ready = Self.wait(60) {
            let trials = (try? FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("deadlock-lockfile").path)) ?? []
            guard trials.count >= workers else { return false }
            let all = Self.descendants(of: runner)
            let ws = all.filter { $0.ppid == runner }.map(\.pid)
            let busy = ws.filter { w in all.contains { $0.ppid == w } }
            found = ws
            return busy.count >= workers
        }
        XCTAssertTrue(ready, "the workers never started their buyers")
        return found
    }

    private func workerFault(_ signal: Int32) throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try deadlockScenario(dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let run = try start(["run", file, "--jobs", "2", "--work", work.path, "--reports", reports.path, "--quiet"], in: dir)
        let runner = run.pid
        let workers = waitForWorkersWithBuyers(runner, work: work, workers: 2)
        let family = Self.descendants(of: runner)
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        guard let victim = workers.first else { return }
        kill(victim, signal)
        let exited = run.wait(30)
        XCTAssertTrue(exited, "the runner still runs 30 s after worker \(victim) got signal \(signal)")
        XCTAssertEqual(run.exitCode, 3, run.output)
        XCTAssertTrue(Self.wait(10) { Self.survivors(pids: pids, groups: groups).isEmpty },
                      "orphans of the run: \(Self.survivors(pids: pids, groups: groups))")
    }

    /// A worker killed with SIGKILL: its buyers must not keep the runner polling for ever.
    func testKilledWorkerEndsTheRunWithoutOrphans() throws {
        try workerFault(SIGKILL)
    }

    /// A frozen worker is noticed and killed, with its buyers.
    func testStoppedWorkerEndsTheRunWithoutOrphans() throws {
        try workerFault(SIGSTOP)
    }

    /// SIGKILL to the runner mid-deadlock: no buyer survives it, and the next run sweeps
    /// the dead runner's named semaphore from /dev/shm.
    func testKilledRunnerLeavesNoBuyersAndItsSemaphoreIsSwept() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try deadlockScenario(dir, mode: "semaphore", trials: 2)
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"], in: dir)
        let runner = run.pid
        let semPrefix = "sem.ticketrush-\(runner)-"
        func semaphores() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []).filter { $0.hasPrefix(semPrefix) }
        }
        var family: [Proc] = []
        // Ready: the holder was killed, the other five wait for ever (seen three polls in a
        // row, so not a moment mid-fork). Not earlier: a runner dying while the holder is
        // stopped orphans a group with a stopped member, and the kernel's SIGHUP would end
        // the buyers for us.
        var steady = 0
        XCTAssertTrue(Self.wait(60) {
            family = Self.descendants(of: runner)
            let alive = family.filter { $0.state != "Z" }
            steady = alive.count == 5 && !alive.contains { $0.state == "T" } && !semaphores().isEmpty ? steady + 1 : 0
            return steady >= 3
        }, "the buyers never reached the deadlock")
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer {
            cleanUp(pids: pids, groups: groups)
            for s in semaphores() { try? FileManager.default.removeItem(atPath: "/dev/shm/\(s)") }
        }
        kill(runner, SIGKILL)
        run.wait(10)
        XCTAssertTrue(Self.wait(10) { Self.survivors(pids: pids, groups: groups).isEmpty },
                      "buyers outlived their runner: \(Self.survivors(pids: pids, groups: groups))")
        // Any run on the machine sweeps a dead runner's semaphores (.ci/run's catalogue runs
        // beside these tests and may be first): the readiness wait above saw it made, and
        // after the next run it must be gone, whoever swept it.
        // Any run sweeps; a task-wide lock makes this one pass whatever the scheduler does.
        let quick = try CLI.write("name: quick\ntickets: 1\nbuyers: 2\nlock: {mode: flock, scope: task}\ntrials: 1\nseed: 1\n", to: "quick.yaml", in: dir)
        let next = try CLI.run(["run", quick, "--reports", dir.appendingPathComponent("r2").path, "--quiet"])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(semaphores(), [], "the dead runner's semaphores were not swept")
    }

    /// Runs `script` under bash with BIN set to the binary; returns its exit status.
    func bash(_ script: String, in dir: URL) throws -> Int32 {
        let p = try Spawned("/bin/bash", ["-c", "cd '\(dir.path)' && " + script], env: ["BIN": CLI.binary.path], dir: dir, stdout: "/dev/null")
        if !p.wait(120) { XCTFail("\(script) did not finish within 120 s") }
        return p.exitCode
    }

    func quickScenario(_ dir: URL) throws -> String {
        try CLI.write("""
            name: chatty
            tickets: 2
            buyers: {count: 6, wants: 2}
            delays: {search: 1ms, write: 1ms}
            storage: {write: atomic}   # the search is unlocked: in place, it could read a torn file
            lock: flock
            trials: 8
            seed: 5

            """, to: "chatty.yaml", in: dir)
    }

    func assertReports(_ folder: URL, _ what: String) {
        for name in ["junit.xml", "summary.json", "results.csv", "index.html", "trials.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(what): no \(name)")
        }
    }

    /// Standard error that is full (ENOSPC) is "stop printing", never a crash.
    func testFullStandardErrorFinishesTheRun() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try quickScenario(dir)
        let status = try bash("exec \"$BIN\" run '\(file)' --reports r --transcript 2>/dev/full", in: dir)
        XCTAssertEqual(status, 0)
        assertReports(dir.appendingPathComponent("r"), "2>/dev/full")
    }

    /// Standard error closed (EBADF, and fd 2 free for the next open) is not a crash either.
    func testClosedStandardErrorFinishesTheRun() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try quickScenario(dir)
        let status = try bash("exec \"$BIN\" run '\(file)' --reports r 2>&-", in: dir)
        XCTAssertEqual(status, 0)
        assertReports(dir.appendingPathComponent("r"), "2>&-")
    }

    /// A reader that goes away (SIGPIPE/EPIPE on stdout) ends the printing, not the run.
    func testStdoutPipedToHeadFinishesTheRun() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try quickScenario(dir)
        let status = try bash("\"$BIN\" run '\(file)' --reports r --transcript | head -1 >/dev/null; exit ${PIPESTATUS[0]}", in: dir)
        XCTAssertEqual(status, 0)
        assertReports(dir.appendingPathComponent("r"), "| head -1")
    }
}
