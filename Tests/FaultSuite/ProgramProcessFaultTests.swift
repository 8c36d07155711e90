import Foundation
import TicketRushTestSupport
import XCTest

/// Issue 19 items 3, 6 and 8 against the binary under test: what a program buyer starts
/// never outlives the runner however it dies (double forks, setsid, `--jobs` workers), a
/// buyer's end is its exit and not a pipe a leftover holds, and a program that writes
/// without waiting at its gate is named, the same way every time.
///
/// Processes are found by the marker every test-started process inherits
/// (`ProcessTable.marked`), whatever their ancestry; readiness is polled, never slept for.
final class ProgramProcessFaultTests: XCTestCase {
    /// A `buyers.command` whose buyers double-fork (`(sleep &)`) and background a `sleep`.
    static let doubleForking = """
        name: double-fork
        tickets: 1
        buyers: {count: 2, command: [sh, -c, "(sleep 977 &); sleep 977 & wait"]}
        outcomes: {bought: '^never$'}
        timeout: 120s
        trials: 2
        """

    /// A `program.command` whose child calls setsid and double-forks from its new session;
    /// the program and that grandchild become `sleep 977`.
    static let settingSid = """
        name: setsid
        tickets: 1
        buyers: 2
        program:
          command: [python3, -c, "import os\\nif os.fork() == 0:\\n    os.setsid()\\n    if os.fork() == 0:\\n        os.execvp('sleep', ['sleep', '977'])\\n    os._exit(0)\\nos.execvp('sleep', ['sleep', '977'])"]
        outcomes: {bought: '^never$'}
        timeout: 120s
        trials: 2
        """

    /// The run's `sleep 977` processes.
    private func sleepers(_ run: FaultCLI.Running) -> [ProcessTable.Entry] {
        ProcessTable.marked(run.process.marker).filter { ProcessTable.commandLine($0.pid) == "sleep 977" }
    }

    /// Starts `scenario`, waits until `expected` of its sleepers exist in `groups` process
    /// groups (a setsid'ed one is in its own), SIGKILLs the process `victim` picks, and
    /// asserts that nothing the runner started is alive soon after.
    private func killMidTrial(_ scenario: String, expected: Int, groups: Int, jobs: Int = 1,
                              victim: (FaultCLI.Running) -> pid_t? = { $0.pid }) throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write(scenario, to: "s.yaml", in: tmp)
        let run = try FaultCLI.start(["run", file, "--jobs", "\(jobs)", "--quiet"], in: tmp, self)
        var seen: [ProcessTable.Entry] = []
        XCTAssertTrue(poll(within: 60) {
            seen = sleepers(run)
            return seen.count >= expected && Set(seen.map(\.pgid)).count >= groups
        },
                      "the program's processes never started: \(seen)\n\(run.standardError)")
        let target = try XCTUnwrap(victim(run), "no process to kill")
        kill(target, SIGKILL)
        // A killed worker ends the run (exit 3) after the pool stops the other worker.
        XCTAssertTrue(poll(within: 30) { !run.isRunning }, "the runner still runs 30 s after \(target) was killed")
        var left: [ProcessTable.Entry] = []
        let clean = poll(within: 10) {
            left = ProcessTable.marked(run.process.marker)
            return left.isEmpty
        }
        XCTAssertTrue(clean, "processes outlived the killed \(target == run.pid ? "runner" : "worker"): \(left)")
    }

    /// Item 3: SIGKILL of the runner mid-trial of a `buyers.command` that double-forks.
    func testKilledRunnerLeavesNoDoubleForkedBuyerProcess() throws {
        try killMidTrial(Self.doubleForking, expected: 4, groups: 1)
    }

    /// Item 3: SIGKILL of the runner mid-trial of a `program.command` whose child calls setsid.
    func testKilledRunnerLeavesNoSetsidProgramProcess() throws {
        try killMidTrial(Self.settingSid, expected: 2, groups: 2)
    }

    /// Item 3 with `--jobs 2`: the runner killed, then a worker killed (the run ends, exit 3).
    func testKilledRunnerOrWorkerUnderJobsLeavesNothing() throws {
        try killMidTrial(Self.doubleForking, expected: 8, groups: 2, jobs: 2)
        try killMidTrial(Self.settingSid, expected: 4, groups: 4, jobs: 2) { run in
            // A worker: a child of the runner that is itself a ticketrush runner.
            ProcessTable.descendants(of: run.pid).first { $0.ppid == run.pid && ProcessTable.commandLine($0.pid).contains(" run ") }?.pid
        }
    }

    /// Item 6: a buyer that backgrounds a `sleep` holding its pipes and exits ends at its
    /// exit: the trial finishes long before its timeout, nothing says "timed out", and the
    /// transcript names the process that held the pipe.
    func testABuyerEndsAtItsExitAndTheHolderOfItsPipeIsNamed() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("""
            name: holder
            tickets: 2
            buyers: {count: 2, command: [sh, -c, "sleep 966 & echo bought"]}
            outcomes: {bought: '^bought$'}
            timeout: 30s
            trials: 2
            invariants: [no-oversell, all-finished, no-deadlock]
            """, to: "h.yaml", in: tmp)
        let started = Date()
        let r = try FaultCLI.run(["run", file, "--transcript"], timeout: 120)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertLessThan(elapsed, 10, "the trials waited for the pipe, not the exit")
        XCTAssertFalse(r.stdout.contains("timed out"), r.stdout)
        XCTAssertTrue(r.stdout.contains("leaving sleep (pid "), r.stdout)
        XCTAssertTrue(r.stdout.contains("still holding its stdout"), r.stdout)
    }

    /// Item 8: a protocol program that writes its lines without waiting at its gate is the
    /// same named error (exit 2) in 10 runs of 10, never a complete search ("N schedules, N classes, complete").
    func testAProgramThatSkipsItsGateIsNamedTheSameWayEveryTime() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let line = { (event: String) in "printf '{\\\"event\\\":\\\"\(event)\\\",\\\"value\\\":1}\\\\n' >&3" }
        let file = try FaultCLI.write("""
            name: ungated
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "\(line("search.read")); \(line("purchase.read")); \(line("bought"))"]}
            schedule: exhaustive
            """, to: "u.yaml", in: tmp)
        var errors: Set<String> = []
        for _ in 0..<10 {
            let r = try FaultCLI.run(["run", file], timeout: 120)
            XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
            XCTAssertFalse(r.stdout.contains(", complete"), r.stdout)
            errors.insert(r.stderr.split(separator: "\n").filter { $0.contains("error:") }.joined(separator: "\n"))
        }
        XCTAssertEqual(errors.count, 1, "\(errors)")
        let error = try XCTUnwrap(errors.first)
        XCTAssertTrue(error.contains("ungated: buyer-1 wrote a line without being granted a step (its line 2: "), error)
        XCTAssertTrue(error.contains("TICKETRUSH_GATE_FD"), error)
    }
}
