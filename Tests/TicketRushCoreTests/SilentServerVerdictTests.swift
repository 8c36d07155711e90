import XCTest
import TicketRushModel
import TicketRushChecks

/// A trial whose database server did not answer the runner (issue 19 item 1): nothing the
/// silence could cause is a verdict — not the timeout, not the buyers the teardown killed —
/// while an oversell the buyers reported still stands.
final class SilentServerVerdictTests: XCTestCase {
    private let silence = Incompleteness.server(unanswered: "the PostgreSQL server at host=/tmp/x did not answer within 5s")

    private func history(_ events: [Event], incomplete: [Incompleteness]) -> TrialHistory {
        TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events,
                     exits: [.signaled(signal: 15), .signaled(signal: 15)], timedOut: true, finalRead: .failed(errno: ETIMEDOUT),
                     startNs: 0, durationNs: 5_000_000_000, incomplete: incomplete)
    }

    func testATimeOutCausedByASilentServerIsUnknownNamingTheServer() {
        let timedOut = history([Event(tNs: 1, buyer: 0, task: 0, kind: .searchRead, value: 1)], incomplete: [silence])
        for invariant in [Invariant.noDeadlock, .allFinished, .oneOutcome, .conservation, .noUndersell] {
            let r = invariant.checker.judge(timedOut)
            XCTAssertEqual(r.verdict, .unknown, "\(invariant)")
            XCTAssertTrue(r.summary.contains("the PostgreSQL server at host=/tmp/x did not answer within 5s"), r.summary)
        }
        // Without the silence the same timeout is a deadlock verdict: the rule is the server's.
        XCTAssertEqual(Invariant.noDeadlock.checker.judge(history(timedOut.events, incomplete: [])).verdict, .violated)
    }

    func testAnOversellSeenBeforeTheSilenceStands() {
        let events = [Event(tNs: 1, buyer: 0, task: 0, kind: .bought), Event(tNs: 2, buyer: 1, task: 0, kind: .bought)]
        XCTAssertEqual(Invariant.noOversell.checker.judge(history(events, incomplete: [silence])).verdict, .violated)
    }
}
