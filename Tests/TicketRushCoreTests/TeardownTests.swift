import XCTest
import TicketRushModel
@testable import TicketRushRunner

/// The pure parts of the runner's process handling: teardown decisions, wake-ups,
/// stop reasons and fault timing, without forking anything.
final class TeardownTests: XCTestCase {
    final class Sent: @unchecked Sendable {
        var signals: [(Teardown.Target, Int32)] = []
    }

    func execution(_ t: Teardown, targets: [Teardown.Target], at start: UInt64, into sent: Sent) -> Teardown.Execution {
        var e = Teardown.Execution(t, targets: targets, startedAt: start)
        e.send = { target, signal in sent.signals.append((target, signal)) }
        return e
    }

    func testTrialSequenceIsTermThenKillAfterTheGrace() {
        XCTAssertEqual(Teardown.trial.steps, [.init(SIGTERM, afterNs: 0), .init(SIGKILL, afterNs: 200_000_000)])
        XCTAssertEqual(Teardown.trial.due(sent: 0, elapsedNs: 0), 1)
        XCTAssertEqual(Teardown.trial.due(sent: 1, elapsedNs: 199_999_999), 0)
        XCTAssertEqual(Teardown.trial.due(sent: 1, elapsedNs: 200_000_000), 1)
        XCTAssertEqual(Teardown.trial.due(sent: 0, elapsedNs: 5_000_000_000), 2, "a late look sends every step due")
        XCTAssertEqual(Teardown.trial.due(sent: 2, elapsedNs: 5_000_000_000), 0)
        XCTAssertEqual(Teardown.trial.nextAt(sent: 1, startedAt: 1_000), 200_001_000)
        XCTAssertNil(Teardown.trial.nextAt(sent: 2, startedAt: 1_000))
    }

    func testExecutionSendsEachStepOnceWithAWakeUp() {
        let sent = Sent()
        var e = execution(.trial, targets: [.group(42)], at: 1_000, into: sent)
        e.advance(now: 1_000)
        XCTAssertEqual(sent.signals.map(\.1), [SIGTERM, SIGCONT], "SIGTERM, then SIGCONT so a stopped buyer wakes to die")
        XCTAssertEqual(e.nextAt, 200_001_000)
        e.advance(now: 100_000_000)
        XCTAssertEqual(sent.signals.count, 2, "nothing due within the grace")
        e.advance(now: 200_001_000)
        XCTAssertEqual(sent.signals.map(\.1), [SIGTERM, SIGCONT, SIGKILL])
        XCTAssertTrue(e.finished)
        e.advance(now: 900_000_000)
        XCTAssertEqual(sent.signals.count, 3, "never twice")
        XCTAssertTrue(sent.signals.allSatisfy { $0.0 == .group(42) })
    }

    func testSecondInterruptEscalatesAtOnce() {
        let sent = Sent()
        var e = execution(.trial, targets: [.group(7), .process(8)], at: 0, into: sent)
        e.advance(now: 0)
        e.escalate()
        XCTAssertTrue(e.finished)
        XCTAssertEqual(sent.signals.filter { $0.1 == SIGKILL }.map(\.0), [.group(7), .process(8)])
    }

    func testTargetsAddedLateGetTheStepsAlreadySent() {
        let sent = Sent()
        var e = execution(.workers, targets: [.process(10)], at: 0, into: sent)
        e.advance(now: 0)
        e.add(.group(11))
        XCTAssertEqual(sent.signals.filter { $0.0 == .group(11) }.map(\.1), [SIGTERM, SIGCONT])
        e.add(.group(11))
        XCTAssertEqual(sent.signals.filter { $0.0 == .group(11) }.count, 2, "a target is added once")
    }

    func testReapSequenceWaitsASecondBeforeKilling() {
        XCTAssertEqual(Teardown.reap.due(sent: 0, elapsedNs: 999_999_999), 0)
        XCTAssertEqual(Teardown.reap.due(sent: 0, elapsedNs: 1_000_000_000), 1)
        XCTAssertEqual(Teardown.immediate.due(sent: 0, elapsedNs: 0), 1)
        XCTAssertEqual(Teardown.interruptedWorkers.steps.first?.signal, SIGINT, "the interrupt is forwarded first")
    }

    func testPollTimeoutRoundsUpAndIsCapped() {
        XCTAssertEqual(Teardown.pollTimeoutMs(now: 10, wakeAt: 5), 0)
        XCTAssertEqual(Teardown.pollTimeoutMs(now: 0, wakeAt: 1), 1, "a nanosecond still waits a millisecond, never spins at 0")
        XCTAssertEqual(Teardown.pollTimeoutMs(now: 0, wakeAt: 2_000_000), 2)
        XCTAssertEqual(Teardown.pollTimeoutMs(now: 0, wakeAt: 2_000_001), 3)
        XCTAssertEqual(Teardown.pollTimeoutMs(now: 0, wakeAt: 60_000_000_000), 1000)
        XCTAssertEqual(Teardown.pollTimeoutMs(now: 0, wakeAt: .max, capMs: 100), 100)
    }

    func testWakeAtIsTheDeadlineOrTheFaultsIfSooner() {
        XCTAssertEqual(TrialRunner.wakeAt(deadline: 500, faultWake: nil), 500)
        XCTAssertEqual(TrialRunner.wakeAt(deadline: 500, faultWake: 200), 200)
        XCTAssertEqual(TrialRunner.wakeAt(deadline: 500, faultWake: .max), 500)
    }

    func testStopReasons() {
        XCTAssertNil(TrialRunner.stopReason(now: 1, deadline: 2, interrupt: 0, overflowed: false))
        XCTAssertEqual(TrialRunner.stopReason(now: 2, deadline: 2, interrupt: 0, overflowed: false), .timeout)
        XCTAssertEqual(TrialRunner.stopReason(now: 1, deadline: 2, interrupt: 0, overflowed: true), .overflow)
        XCTAssertEqual(TrialRunner.stopReason(now: 3, deadline: 2, interrupt: SIGINT, overflowed: true), .interrupted(SIGINT),
                       "an interrupt wins: the run ends with 130, not a timeout")
    }

    func testWorkerPoolDeadlineCoversEveryTrialTimeout() {
        let s = Scenario(name: "s", tickets: 1, buyers: BuyerGroup(count: 2), trials: 3, timeoutNs: 10_000_000_000)
        let plan = RunPlan(scenarios: [s], seed: 1, trials: nil, onlyTrial: nil)
        let one = WorkerPool.deadlineNs(plan.units, jobs: 1, plan: plan)
        XCTAssertEqual(one, 3 * 12_000_000_000 + 60_000_000_000)
        let two = WorkerPool.deadlineNs(plan.units, jobs: 2, plan: plan)
        XCTAssertEqual(two, 2 * 12_000_000_000 + 60_000_000_000, "the busiest worker's share")
    }
}

final class FaultInjectorTests: XCTestCase {
    func testKillLandsOnTheTargetedStepOnly() {
        var f = FaultInjector(faults: [Fault(.kill, .buyers([1]), at: .lockAcquired)], buyers: 3, seed: 1, timeScale: 1)
        XCTAssertTrue(f.isActive)
        XCTAssertEqual(f.stops[1], [.lockAcquired])
        XCTAssertNil(f.stops[0])
        let wait = Event(tNs: 5, buyer: 1, task: 0, kind: .lockWait)
        XCTAssertEqual(f.stopped(buyer: 1, last: wait, now: 10), .resume, "a stop at another step is never held")
        let acquired = Event(tNs: 6, buyer: 1, task: 0, kind: .lockAcquired)
        XCTAssertEqual(f.stopped(buyer: 1, last: acquired, now: 20), .kill)
        XCTAssertEqual(f.killed, [1])
        XCTAssertEqual(f.events.map(\.kind), [.faultKill])
        XCTAssertEqual(f.events.first?.tNs, 20)
        XCTAssertEqual(f.stopped(buyer: 1, last: acquired, now: 30), .resume, "first time only")
    }

    func testStallHoldsThenResumesAtItsScaledTime() {
        var f = FaultInjector(faults: [Fault(.stall(300_000_000), .buyers([0]), at: .searchRead)], buyers: 2, seed: 1, timeScale: 0.5)
        let read = Event(tNs: 1, buyer: 0, task: 2, kind: .searchRead)
        XCTAssertEqual(f.nextWake(now: 100), 100 + 1_000_000, "watching for stops: look every millisecond")
        XCTAssertEqual(f.stopped(buyer: 0, last: read, now: 1_000), .hold)
        XCTAssertEqual(f.events.last?.value, 150_000_000, "300 ms × time_scale 0.5")
        XCTAssertEqual(f.nextWake(now: 2_000), 150_001_000, "no stop left to watch: wake for the resume")
        XCTAssertEqual(f.resumeDue(now: 150_000_999, lastTask: { _ in 2 }), [])
        XCTAssertEqual(f.resumeDue(now: 150_001_000, lastTask: { _ in 2 }), [0])
        XCTAssertEqual(f.events.map(\.kind), [.faultStall, .faultResume])
        XCTAssertEqual(f.events.last?.task, 2)
        XCTAssertEqual(f.nextWake(now: 200_000_000), .max, "nothing left to do")
    }

    func testLimitCountsAcrossBuyers() {
        var f = FaultInjector(faults: [Fault(.kill, .probability(1), at: .lockAcquired, limit: 1)], buyers: 3, seed: 9, timeScale: 1)
        XCTAssertEqual(f.stopped(buyer: 2, last: Event(tNs: 1, buyer: 2, task: 0, kind: .lockAcquired), now: 1), .kill)
        XCTAssertEqual(f.stopped(buyer: 0, last: Event(tNs: 2, buyer: 0, task: 0, kind: .lockAcquired), now: 2), .resume,
                       "the limit is spent: the next holder goes on")
        XCTAssertEqual(f.killed, [2])
    }

    func testAStopWithoutAnEventIsResumed() {
        var f = FaultInjector(faults: [Fault(.kill, .buyers([0]), at: .start)], buyers: 1, seed: 1, timeScale: 1)
        XCTAssertEqual(f.stopped(buyer: 0, last: nil, now: 1), .resume)
    }
}
