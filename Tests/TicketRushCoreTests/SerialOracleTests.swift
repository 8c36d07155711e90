import XCTest
import TicketRushModel
import TicketRushChecks

/// The pure half of the session cases' judge: transactions, serial orders, matching.
final class SerialOracleTests: XCTestCase {
    let c = SessionCase(setup: [], sessions: [
        .init(name: "T1", statements: ["BEGIN", "select 1", "COMMIT", "select 2", "  begin", "select 3", "rollback"]),
        .init(name: "T2", statements: ["start transaction", "select 4", "end"]),
    ])

    func testTransactionsFollowBeginAndCommit() {
        let t = SerialOracle.transactions(c)
        XCTAssertEqual(t.map(\.session), [0, 0, 0, 1])
        XCTAssertEqual(t.map { $0.steps.map(\.index) }, [[0, 1, 2], [3], [4, 5, 6], [0, 1, 2]])
        XCTAssertEqual(t.map(\.endsInCommit), [true, true, false, true])
        XCTAssertEqual(t.map { SerialOracle.label($0, in: c) }, ["T1#1", "T1#2", "T1#3", "T2"])
    }

    /// Orders keep each session's transactions in order: C(n+m, n) of them.
    func testSerialOrdersInterleaveSessions() {
        let t = SerialOracle.transactions(c)
        let orders = SerialOracle.serialOrders(t)
        XCTAssertEqual(orders.count, 4)  // T2 goes before, between or after T1's three
        for o in orders { XCTAssertEqual(o.filter { $0.session == 0 }, Array(t.prefix(3))) }
        XCTAssertEqual(SerialOracle.serialOrders(Array(t.prefix(2))).count, 1)
    }

    func testCommittedNeedsEveryStepWithoutError() {
        let run = SessionRun(finished: [
            StepOutcome(step: .init(session: 1, index: 0)), StepOutcome(step: .init(session: 1, index: 1), error: ("40001", "no")),
            StepOutcome(step: .init(session: 1, index: 2)),
            StepOutcome(step: .init(session: 0, index: 3)),
        ])
        XCTAssertEqual(SerialOracle.committed(c, run).map { SerialOracle.label($0, in: c) }, ["T1#2"])
        XCTAssertEqual(SerialOracle.how(run), .serializationFailure)
    }

    func testMismatchNamesTheFirstDifferentStep() {
        let t = Array(SerialOracle.transactions(c).suffix(1))
        let observed = SessionRun(finished: (0..<3).map { StepOutcome(step: .init(session: 1, index: $0), rows: $0 == 1 ? ["1|10"] : []) }, finalState: ["test: 1|10"])
        var serial = observed
        XCTAssertTrue(SerialOracle.explains(serial: serial, observed: observed, order: t))
        serial.finished[1].rows = ["1|11"]
        XCTAssertEqual(SerialOracle.mismatch(serial: serial, observed: observed, order: t, label: c.label), "T2.2 returned 1|11, not 1|10")
        serial = observed
        serial.finalState = []
        XCTAssertEqual(SerialOracle.mismatch(serial: serial, observed: observed, order: t, label: c.label), "the tables end as no rows, not test: 1|10")
    }

    func testEffectNeedsEveryRowOfOneAlternative() {
        var k = c
        let s = StepRef(session: 1, index: 1), u = StepRef(session: 0, index: 1)
        k.anomalyIf = [[.init(step: s, row: "1|101"), .init(step: u, row: "x")], [.init(step: u, row: "y")]]
        var run = SessionRun(finished: [StepOutcome(step: s, rows: ["1|101"]), StepOutcome(step: u, rows: ["z"])])
        XCTAssertNil(SerialOracle.effect(k, run))
        run.finished[1].rows = ["x", "q"]
        XCTAssertEqual(SerialOracle.effect(k, run), "T2.2 returned 1|101 and T1.2 returned x")
        run.finished[1] = StepOutcome(step: u, error: ("25P02", "aborted"))
        XCTAssertNil(SerialOracle.effect(k, run), "a failed step returned nothing")
    }
}
