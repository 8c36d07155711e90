import XCTest
import TicketRushModel
import TicketRushChecks

/// Checkers on hand-written histories: each verdict, and the evidence it gives.
final class CheckerTests: XCTestCase {
    /// The tutorial's race: both buyers saw the one ticket and both wrote 0.
    private func race() -> HistoryBuilder {
        var h = HistoryBuilder(tickets: 1, buyers: 2, final: .count(0))
        h.step(0, .searchRead, 1)
        h.step(1, .searchRead, 1)
        h.step(0, .purchaseRead, 1)
        h.step(1, .purchaseRead, 1)
        h.step(0, .purchaseWrite, 0)
        h.step(1, .purchaseWrite, 0)
        h.step(0, .bought, 0)
        h.step(1, .bought, 0)
        return h
    }

    private func serial() -> HistoryBuilder {
        var h = HistoryBuilder(tickets: 1, buyers: 2, final: .count(0))
        h.buys(0, sawCount: 1)
        h.soldOut(1)
        return h
    }

    func testNoOversell() throws {
        let bad = try NoOversellChecker().check(race().history)
        XCTAssertEqual(bad.verdict, .violated)
        XCTAssertEqual(bad.severity, 1)
        XCTAssertTrue(bad.summary.contains("2 purchases reported for 1 ticket"), bad.summary)
        XCTAssertTrue(bad.details[0].contains("b1") && bad.details[0].contains("b2"), bad.details[0])
        XCTAssertEqual(try NoOversellChecker().check(serial().history).verdict, .holds)
    }

    func testNoOversellIsUnknownWhenADeadBuyerMayHaveBought() throws {
        var h = HistoryBuilder(tickets: 1, buyers: 2, final: .count(0))
        h.buys(0, sawCount: 1)
        // b2 was killed after starting its write: whether it landed cannot be told.
        h.step(1, .searchRead, 1)
        h.step(1, .purchaseRead, 1)
        h.step(1, .purchaseWrite, 0)
        h.step(1, .error, reason: .killed)
        h.exits[1] = .signaled(signal: 9)
        XCTAssertEqual(try NoOversellChecker().check(h.history).verdict, .unknown)
        XCTAssertEqual(try ConservationChecker().check(h.history).verdict, .holds)
    }

    func testConservationFindsTheLostUpdate() throws {
        let result = try ConservationChecker().check(race().history)
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertTrue(result.summary.contains("1 update lost"), result.summary)
        XCTAssertTrue(result.details.contains { $0.contains("b1 and b2 both wrote count 0") }, "\(result.details)")
        XCTAssertEqual(try ConservationChecker().check(serial().history).verdict, .holds)
    }

    func testConservationUnknownWhenTheFinalDocumentIsTorn() throws {
        var h = serial()
        h.final = .torn(bytes: 3)
        XCTAssertEqual(try ConservationChecker().check(h.history).verdict, .unknown)
    }

    func testConservationCatchesTicketsVanishing() throws {
        var h = serial()
        h.final = .count(-1)
        let result = try ConservationChecker().check(h.history)
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertTrue(result.summary.contains("2 tickets gone but only 1 purchase"), result.summary)
    }

    func testOneOutcome() throws {
        XCTAssertEqual(try OneOutcomeChecker().check(serial().history).verdict, .holds)
        var twice = serial()
        twice.step(1, .bought, 0)
        let result = try OneOutcomeChecker().check(twice.history)
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertTrue(result.details[0].contains("b2 task 1: 2 outcomes"), result.details[0])
        var missing = HistoryBuilder(tickets: 5, buyers: 1, wants: 2, final: .count(4))
        missing.buys(0, sawCount: 5)
        XCTAssertEqual(try OneOutcomeChecker().check(missing.history).verdict, .violated)
    }

    func testNoTornReadNamesTheReaderAndTheWriter() throws {
        var h = HistoryBuilder(tickets: 1, buyers: 2, final: .count(0))
        h.step(0, .searchRead, 1)
        h.step(0, .purchaseRead, 1)
        h.step(0, .purchaseWrite, 0)
        h.step(1, .searchTorn, 0)
        h.step(1, .error, reason: .tornRead)
        h.step(0, .bought, 0)
        let result = try NoTornReadChecker().check(h.history)
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertTrue(result.details[0].contains("b2 read 0 bytes while searching"), result.details[0])
        XCTAssertTrue(result.details[1].contains("b1 writing count 0"), result.details[1])
        XCTAssertEqual(try NoTornReadChecker().check(serial().history).verdict, .holds)
    }

    func testAllFinished() throws {
        XCTAssertEqual(try AllFinishedChecker().check(serial().history).verdict, .holds)
        var h = serial()
        h.exits[1] = .signaled(signal: 9)
        let result = try AllFinishedChecker().check(h.history)
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertTrue(result.details[0].contains("b2 killed by signal 9"), result.details[0])
        var late = serial()
        late.timedOut = true
        XCTAssertTrue(try AllFinishedChecker().check(late.history).summary.hasPrefix("timed out"))
    }

    func testNoUndersell() throws {
        XCTAssertEqual(try NoUndersellChecker().check(serial().history).verdict, .holds)
        var left = HistoryBuilder(tickets: 2, buyers: 2, final: .count(1))
        left.buys(0, sawCount: 2)
        left.step(1, .searchTorn, 0)
        left.step(1, .error, reason: .tornRead)
        let result = try NoUndersellChecker().check(left.history)
        XCTAssertEqual(result.verdict, .violated)
        XCTAssertTrue(result.details.contains { $0.contains("b2 (torn read)") }, "\(result.details)")
        // Demand below supply: nothing to sell out.
        var small = HistoryBuilder(tickets: 5, buyers: 1, final: .count(4))
        small.buys(0, sawCount: 5)
        XCTAssertEqual(try NoUndersellChecker().check(small.history).verdict, .holds)
    }

    func testAThrowingCheckerYieldsUnknown() {
        struct Broken: Checker {
            let invariant = Invariant.noOversell
            struct Boom: Error {}
            func check(_ history: TrialHistory) throws -> CheckResult { throw Boom() }
        }
        XCTAssertEqual(Broken().judge(serial().history).verdict, .unknown)
    }

    func testVerdictsComposeToTheWorst() {
        XCTAssertEqual([Verdict.holds, .unknown, .holds].max(), .unknown)
        XCTAssertEqual([Verdict.unknown, .violated, .holds].max(), .violated)
    }

    func testOperationsPairLikeAJepsenHistory() {
        var h = HistoryBuilder(tickets: 1, buyers: 3, final: .count(0))
        h.buys(0, sawCount: 1)
        h.soldOut(1)
        h.step(2, .searchRead, 1)
        h.step(2, .purchaseRead, 1)
        h.step(2, .purchaseWrite, 0)
        h.step(2, .error, reason: .killed)
        let ops = h.history.operations
        XCTAssertEqual(ops.map(\.completion), [.ok, .fail, .info])
        XCTAssertTrue(ops[2].startedWrite)
    }

    /// A buyer out of retries wrote nothing that stayed: every attempt ended in a conflict or
    /// an engine rollback (SQLITE_BUSY, a serialization failure). Its purchase is a definite
    /// fail, not "died while writing" (seen as UNKNOWN no-oversell under load on SQLite).
    func testOutOfRetriesAfterAWriteIsADefiniteFail() {
        var h = HistoryBuilder(tickets: 1, buyers: 2, final: .count(0))
        h.buys(0, sawCount: 1)
        h.step(1, .searchRead, 1)
        h.step(1, .purchaseRead, 1)
        h.step(1, .purchaseWrite, 0)
        h.step(1, .storeRetry, 1)
        h.step(1, .purchaseRead, 1)
        h.step(1, .purchaseWrite, 0)
        h.step(1, .error, reason: .retriesExhausted)
        let ops = h.history.operations
        XCTAssertEqual(ops.map(\.completion), [.ok, .fail])
        XCTAssertEqual(NoOversellChecker().judge(h.history).verdict, .holds)
    }

    func testInvariantReportAgainstExpectations() {
        var hold = InvariantReport(invariant: .noOversell, expectation: .hold)
        hold.add(fixture(.noOversell, .holds, "ok"), trial: 0, seed: 1)
        XCTAssertEqual(hold.status, .met)
        hold.add(fixture(.noOversell, .violated, "bad", severity: 2), trial: 1, seed: 2)
        XCTAssertEqual(hold.status, .unmet)
        XCTAssertEqual(hold.first?.trial, 1)

        var expectViolation = InvariantReport(invariant: .noOversell, expectation: .violated)
        expectViolation.add(fixture(.noOversell, .holds, "ok"), trial: 0, seed: 1)
        XCTAssertEqual(expectViolation.status, .unmet)
        expectViolation.add(fixture(.noOversell, .unknown, "?"), trial: 1, seed: 2)
        XCTAssertEqual(expectViolation.status, .undetermined)
        expectViolation.add(fixture(.noOversell, .violated, "x", severity: 1), trial: 2, seed: 3)
        XCTAssertEqual(expectViolation.status, .met)
    }
}
