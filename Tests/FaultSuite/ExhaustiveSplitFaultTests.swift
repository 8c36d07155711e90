import Foundation
import TicketRushTestSupport
import XCTest

/// A bounded exhaustive cell split across `--jobs` workers (ExhaustiveSplit): a runner killed
/// with SIGKILL (no teardown of its own) while its workers explore leaves nothing behind.
final class ExhaustiveSplitFaultTests: XCTestCase {
    /// Tens of thousands of schedules: the workers are still exploring when the runner is stopped.
    private func startLongSplit() throws -> FaultCLI.Running {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("""
            name: race5
            tickets: 2
            buyers: 5
            schedule: {strategy: exhaustive, preemptions: 4, shrink: 0}
            seed: 1
            invariants: [no-oversell]
            """, to: "s.yaml", in: tmp)
        let run = try FaultCLI.start(["run", file, "--jobs", "2", "--quiet"], in: tmp, self)
        // Workers: children of the runner with buyers of their own.
        var workers: Set<pid_t> = []
        XCTAssertTrue(poll(within: 120) {
            let table = ProcessTable.snapshot()
            workers = Set(table.values.filter { w in w.ppid == run.pid && table.values.contains { $0.ppid == w.pid } }.map(\.pid))
            return workers.count == 2
        }, "two schedule workers with buyers never appeared below the runner: \(workers)\n\(run.standardError)")
        return run
    }

    /// SIGINT: the workers are told, the run ends as interrupted (130), nothing is left.
    func testAnInterruptedSplitSearchEndsItsWorkers() throws {
        let run = try startLongSplit()
        kill(run.pid, SIGINT)
        let result = try run.finish(timeout: 60)
        XCTAssertEqual(result.status, 130, result.stderr)
    }

    func testASIGKILLedRunnerLeavesNoScheduleWorker() throws {
        let run = try startLongSplit()
        kill(run.pid, SIGKILL)
        var left: [ProcessTable.Entry] = []
        XCTAssertTrue(poll(within: 10) {
            left = ProcessTable.marked(run.process.marker).filter { $0.pid != run.pid }
            return left.isEmpty
        }, "processes outlived the killed runner: \(left)")
    }
}
