import XCTest
import TicketRushModel
import TicketRushChecks

/// no-deadlock on hand-written histories: a timeout must come with a diagnosis.
final class NoDeadlockCheckerTests: XCTestCase {
    private let names = ["a", "b", "c"]

    private func ev(_ ms: UInt64, _ buyer: Int, _ kind: EventKind, task: Int = 0, value: Int64 = 0, aux: Int32 = 0) -> Event {
        Event(tNs: ms * 1_000_000, buyer: buyer, task: task, kind: kind, value: value, aux: aux)
    }

    private func history(_ events: [Event], exits: [BuyerExit], timedOut: Bool) -> TrialHistory {
        TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: names, wants: 1, events: events, exits: exits,
                     timedOut: timedOut, finalRead: .count(1), startNs: 0, durationNs: 1_000_000_000,
                     lockLabel: "semaphore /ticketrush-test")
    }

    func testHoldsWhenTheTrialFinished() {
        let h = history([ev(0, 0, .start), ev(1, 0, .lockWait), ev(2, 0, .lockAcquired), ev(3, 0, .lockReleased), ev(4, 0, .done)],
                        exits: [.exited(code: 0), .exited(code: 0), .exited(code: 0)], timedOut: false)
        XCTAssertEqual(NoDeadlockChecker().judge(h).verdict, .holds)
    }

    func testNamesBlockedBuyersAndTheDeadHolder() {
        let events = [
            ev(1, 0, .lockWait), ev(2, 0, .lockAcquired), ev(2, 0, .faultKill, value: 9),
            ev(3, 1, .lockWait), ev(4, 2, .lockWait),
            ev(1000, 0, .error, aux: ErrorReason.killed.rawValue),
            ev(1000, 1, .error, aux: ErrorReason.timeout.rawValue), ev(1000, 2, .error, aux: ErrorReason.timeout.rawValue),
        ]
        let h = history(events, exits: [.signaled(signal: 9), .signaled(signal: 15), .signaled(signal: 15)], timedOut: true)
        let r = NoDeadlockChecker().judge(h)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertEqual(r.severity, 2)
        XCTAssertTrue(r.summary.contains("2 buyers blocked on semaphore /ticketrush-test"), r.summary)
        XCTAssertTrue(r.summary.contains("held by a (killed by a fault"), r.summary)
        XCTAssertTrue(r.details[0].hasPrefix("blocked on semaphore /ticketrush-test: b since 3.000 ms, c since 4.000 ms"), r.details[0])
        XCTAssertTrue(r.details[1].contains("holder: a took semaphore /ticketrush-test at 2.000 ms and never released it"), r.details[1])
    }

    func testAHolderThatDiedWithoutAFaultIsNamedByItsSignal() {
        let events = [ev(1, 0, .lockWait), ev(2, 0, .lockAcquired), ev(3, 1, .lockWait)]
        let h = history(events, exits: [.signaled(signal: 11), .signaled(signal: 15), .exited(code: 0)], timedOut: true)
        let r = NoDeadlockChecker().judge(h)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertTrue(r.summary.contains("held by a (died (killed by signal 11) while holding it)"), r.summary)
    }

    func testAStalledHolderIsNotCalledDead() {
        let events = [ev(1, 0, .lockWait), ev(2, 0, .lockAcquired), ev(2, 0, .faultStall, value: 5_000_000_000), ev(3, 1, .lockWait)]
        let h = history(events, exits: [.signaled(signal: 15), .signaled(signal: 15), .exited(code: 0)], timedOut: true)
        let r = NoDeadlockChecker().judge(h)
        XCTAssertTrue(r.summary.contains("stalled by a fault"), r.summary)
    }

    func testATimeoutWithoutLockWaitsSaysWhereBuyersWere() {
        let events = [ev(0, 0, .start), ev(1, 0, .searchRead, value: 1), ev(0, 1, .start), ev(2, 1, .done), ev(0, 2, .start)]
        let h = history(events, exits: [.signaled(signal: 15), .exited(code: 0), .signaled(signal: 15)], timedOut: true)
        let r = NoDeadlockChecker().judge(h)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertTrue(r.summary.contains("no buyer waiting for a lock: 2 buyers unfinished"), r.summary)
        XCTAssertEqual(r.details, ["unfinished: a after search.read, c after start"])
    }

    func testAReleasedLockIsNotHeld() {
        let events = [ev(1, 0, .lockWait), ev(2, 0, .lockAcquired), ev(3, 0, .lockReleased), ev(4, 1, .lockWait), ev(5, 1, .lockAcquired)]
        let h = history(events, exits: [.exited(code: 0), .signaled(signal: 15), .signaled(signal: 15)], timedOut: true)
        let r = NoDeadlockChecker().judge(h)
        XCTAssertFalse(r.summary.contains("held by a"), r.summary)
    }
}
