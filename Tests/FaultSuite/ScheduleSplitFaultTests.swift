import Foundation
import TicketRushTestSupport
import XCTest

/// A random cell split across `--jobs` workers (ScheduleSplit): a schedule worker killed
/// mid-schedule ends the run with exit 3, and nothing the run started outlives it.
final class ScheduleSplitFaultTests: XCTestCase {
    func testAKilledScheduleWorkerEndsTheRunAndLeavesNothing() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        // A protocol buyer that never reports: its schedule waits for its first step until
        // the timeout, so the worker is mid-schedule when it is killed.
        let file = try FaultCLI.write("""
            name: stuck
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "exec sleep 988"]}
            schedule: {strategy: random, runs: 40, shrink: 0}
            seed: 3
            timeout: 120s
            invariants: [no-oversell]
            """, to: "s.yaml", in: tmp)
        let run = try FaultCLI.start(["run", file, "--jobs", "2", "--quiet"], in: tmp, self)
        var sleepers: [ProcessTable.Entry] = []
        XCTAssertTrue(poll(within: 60) {
            sleepers = ProcessTable.marked(run.process.marker).filter { ProcessTable.commandLine($0.pid) == "sleep 988" }
            return !sleepers.isEmpty
        }, "the buyers never started: \(sleepers)\n\(run.standardError)")
        // The worker: a child of the runner that has buyers below it.
        let table = ProcessTable.snapshot()
        var worker: pid_t?
        for s in sleepers {
            var p = s.ppid
            while let e = table[p], e.ppid != run.pid, e.ppid > 1 { p = e.ppid }
            if table[p]?.ppid == run.pid { worker = p }
        }
        let victim = try XCTUnwrap(worker, "no schedule worker between the runner and \(sleepers)")
        XCTAssertNotEqual(victim, run.pid)
        kill(victim, SIGKILL)
        let result = try run.finish(timeout: 60)
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("worker"), result.stderr)
        var left: [ProcessTable.Entry] = []
        XCTAssertTrue(poll(within: 10) {
            left = ProcessTable.marked(run.process.marker)
            return left.isEmpty
        }, "processes outlived the killed worker: \(left)")
    }
}
