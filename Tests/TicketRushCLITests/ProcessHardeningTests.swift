import Foundation
import XCTest

/// Faults to the runner's own processes, end to end through the binary: dead and frozen
/// workers, a runner killed mid-deadlock, and a terminal that cannot be written.
/// Readiness is waited for (trial folders, buyer processes), never slept for.
final class ProcessHardeningTests: XCTestCase {
    /// One process of the table: /proc/PID/stat fields.
    struct Proc: Hashable {
        var pid: pid_t
        var ppid: pid_t
        var pgid: pid_t
        var state: Character
    }

    static func processTable() -> [pid_t: Proc] {
        var table: [pid_t: Proc] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, let state = fields[0].first, let ppid = pid_t(fields[1]), let pgid = pid_t(fields[2]) else { continue }
            table[pid] = Proc(pid: pid, ppid: ppid, pgid: pgid, state: state)
        }
        return table
    }

    /// Every living descendant of `root`.
    static func descendants(of root: pid_t) -> [Proc] {
        let table = processTable()
        var children: [pid_t: [Proc]] = [:]
        for p in table.values { children[p.ppid, default: []].append(p) }
        var out: [Proc] = [], stack = [root]
        while let pid = stack.popLast() {
            for c in children[pid] ?? [] { out.append(c); stack.append(c.pid) }
        }
        return out
    }

    /// What is left alive (not a zombie) of the run's recorded pids and process groups.
    static func survivors(pids: Set<pid_t>, groups: Set<pid_t>) -> [Proc] {
        let own = getpgrp()
        return processTable().values.filter { p in
            p.state != "Z" && p.pid != getpid() && (pids.contains(p.pid) || (groups.contains(p.pgid) && p.pgid != own))
        }
    }

    /// Polls `condition` until true or `seconds` pass; returns whether it became true.
    @discardableResult
    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// A process started with posix_spawn and waited for with waitpid, not Foundation's
    /// Process (which learns of an exit from a descriptor the child inherits, so an orphan
    /// holding it would hide the exit). Its output goes to files.
    final class Spawned {
        let pid: pid_t
        let out: URL
        let err: URL
        private(set) var status: Int32?

        init(_ path: String, _ args: [String], env: [String: String] = [:], dir: URL, stdout: String? = nil, stderr: String? = nil) throws {
            out = dir.appendingPathComponent("out-\(UUID().uuidString)")
            err = dir.appendingPathComponent("err-\(UUID().uuidString)")
            var fa = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&fa)
            defer { posix_spawn_file_actions_destroy(&fa) }
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&fa, 1, stdout ?? out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(&fa, 2, stderr ?? err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            var environment = ProcessInfo.processInfo.environment
            for (k, v) in env { environment[k] = v }
            let argv = ([path] + args).map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for p in argv + envp { free(p) } }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, path, &fa, nil, argv, envp)
            guard rc == 0 else { throw NSError(domain: "posix_spawn", code: Int(rc)) }
            self.pid = pid
        }

        /// True while the process has not exited (reaps it when it has).
        var isRunning: Bool {
            if status != nil { return false }
            var st: Int32 = 0
            if waitpid(pid, &st, WNOHANG) == pid { status = st; return false }
            return true
        }

        /// Exit code, or 128 + signal.
        var exitCode: Int32 {
            guard let st = status else { return -1 }
            return st & 0x7f == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
        }

        /// Waits up to `seconds`; kills it (SIGKILL) if it is still running then. Returns whether it exited alone.
        @discardableResult
        func wait(_ seconds: Double) -> Bool {
            if ProcessHardeningTests.wait(seconds, { !self.isRunning }) { return true }
            kill(pid, SIGKILL)
            kill(pid, SIGCONT)
            var st: Int32 = 0
            if waitpid(pid, &st, 0) == pid { status = st }
            return false
        }

        var output: String {
            ((try? String(contentsOf: out, encoding: .utf8)) ?? "") + ((try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    func start(_ args: [String], in dir: URL) throws -> Spawned {
        let run = try Spawned(CLI.binary.path, args, dir: dir)
        addTeardownBlock { if run.isRunning { run.wait(0) } }  // never leave a runner behind
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
        XCTAssertFalse(semaphores().isEmpty, "the killed runner's semaphore is there to sweep")
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
