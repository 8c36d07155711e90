import XCTest
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushRunner

/// Invariants judged on what a fault really did, on hand-written histories.
final class FaultAccountingTests: XCTestCase {
    private func ev(_ t: UInt64, _ buyer: Int, _ kind: EventKind, value: Int64 = 0) -> Event {
        Event(tNs: t, buyer: buyer, task: 0, kind: kind, value: value)
    }

    /// Buyer 0 buys then is killed at `bought`; buyer 1 sees it sold out.
    private func killedAfterBuying() -> TrialHistory {
        var events = [
            ev(1, 0, .start), ev(2, 0, .searchRead, value: 1), ev(3, 0, .lockWait), ev(4, 0, .lockAcquired),
            ev(5, 0, .purchaseRead, value: 1), ev(6, 0, .purchaseWrite, value: 0), ev(7, 0, .bought, value: 0),
            ev(8, 0, .faultKill, value: 9),
            ev(1, 1, .start), ev(2, 1, .searchRead, value: 1), ev(3, 1, .lockWait), ev(9, 1, .lockAcquired),
            ev(10, 1, .purchaseRead, value: 0), ev(11, 1, .soldOut), ev(12, 1, .lockReleased), ev(13, 1, .done),
        ]
        let exits: [BuyerExit] = [.signaled(signal: 9), .exited(code: 0)]
        TrialRunner.closeOpenTasks(&events, wants: 1, exits: exits, timedOut: false, at: 20, killed: [0])
        return TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events.sorted { $0.tNs < $1.tNs },
                            exits: exits, finalRead: .count(0), durationNs: 20)
    }

    func testABuyerKilledAfterBuyingDidBuy() {
        let h = killedAfterBuying()
        XCTAssertEqual(h.events.filter { $0.kind == .error }.count, 0, "its task had an outcome: nothing to close")
        XCTAssertEqual(NoOversellChecker().judge(h).verdict, .holds)
        XCTAssertEqual(ConservationChecker().judge(h).verdict, .holds)
        XCTAssertEqual(OneOutcomeChecker().judge(h).verdict, .holds)
        XCTAssertEqual(NoUndersellChecker().judge(h).verdict, .holds)
        XCTAssertEqual(NoDeadlockChecker().judge(h).verdict, .holds)
        let finished = AllFinishedChecker().judge(h)
        XCTAssertEqual(finished.verdict, .violated)
        XCTAssertEqual(finished.details, ["a killed by signal 9"])
    }

    /// Killed by a fault right after reporting purchase.write: stopped before the write, so it did not write.
    func testABuyerAFaultKilledAtPurchaseWriteDidNotWrite() {
        var events = [ev(1, 0, .start), ev(2, 0, .purchaseRead, value: 1), ev(3, 0, .purchaseWrite, value: 0), ev(4, 1, .start),
                      ev(5, 0, .faultKill, value: 9),
                      ev(6, 1, .purchaseRead, value: 1), ev(7, 1, .purchaseWrite, value: 0), ev(8, 1, .bought, value: 0), ev(9, 1, .done)]
        let exits: [BuyerExit] = [.signaled(signal: 9), .exited(code: 0)]
        TrialRunner.closeOpenTasks(&events, wants: 1, exits: exits, timedOut: false, at: 20, killed: [0])
        let h = TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events,
                             exits: exits, finalRead: .count(0), durationNs: 20)
        XCTAssertEqual(h.events.last { $0.buyer == 0 && $0.kind == .error }?.reason, .killed)
        XCTAssertEqual(h.operations.first { $0.buyer == 0 }?.completion, .fail)
        XCTAssertEqual(NoOversellChecker().judge(h).verdict, .holds)
        XCTAssertEqual(ConservationChecker().judge(h).verdict, .holds)
        XCTAssertEqual(OneOutcomeChecker().judge(h).verdict, .holds)
    }

    /// Died after purchase.write of something else (no fault event): the write may have landed.
    func testABuyerThatDiedWhileWritingIsIndeterminate() {
        var events = [ev(1, 0, .start), ev(2, 0, .purchaseRead, value: 1), ev(3, 0, .purchaseWrite, value: 0),
                      ev(1, 1, .start), ev(5, 1, .purchaseRead, value: 1), ev(6, 1, .purchaseWrite, value: 0), ev(7, 1, .bought, value: 0), ev(8, 1, .done)]
        let exits: [BuyerExit] = [.signaled(signal: 11), .exited(code: 0)]
        TrialRunner.closeOpenTasks(&events, wants: 1, exits: exits, timedOut: false, at: 20)
        let h = TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events,
                             exits: exits, finalRead: .count(0), durationNs: 20)
        XCTAssertEqual(h.operations.first { $0.buyer == 0 }?.completion, .info)
        XCTAssertEqual(NoOversellChecker().judge(h).verdict, .unknown, "whether that write landed cannot be told from the log")
        XCTAssertEqual(OneOutcomeChecker().judge(h).verdict, .holds)
    }
}
