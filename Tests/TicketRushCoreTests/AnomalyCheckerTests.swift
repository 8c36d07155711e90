import Foundation
import XCTest
import TicketRushFormat
import TicketRushModel
import TicketRushChecks

/// The Adya checker on hand-made histories: one per anomaly class, the model table, the
/// evidence in words, and `unknown` where versions are missing.
final class AnomalyCheckerTests: XCTestCase {
    /// Two buyers read count v0 and both write it: the classic lost update.
    static func lostUpdate() -> TxnScript {
        var s = TxnScript()
        s.read(0, 0, 0)
        s.read(1, 0, 0)
        s.write(0, 0)
        s.commit(0)
        s.write(1, 0)
        s.commit(1)
        return s
    }

    func testLostUpdateIsNamedFirstAndNotAlsoGSingle() {
        let s = Self.lostUpdate()
        XCTAssertEqual(s.found(), [.lostUpdate])
        let text = AnomalyText.cycle(s.analysis().found[0], name: { "b\($0 + 1)" })
        XCTAssertEqual(text, "T2 (b2, task 1) → T1 (rw: T2 read count v0 (initial), T1 installed the next, v1025, both having read and written it) → T2 (ww: T1 installed count v1025, T2 the next, v2049)")
    }

    func testDirtyWriteG0() {
        var s = TxnScript()
        s.write(0, 1)
        s.write(1, 1)
        s.write(1, 2)
        s.write(0, 2)
        s.commit(0)
        s.commit(1)
        XCTAssertEqual(s.found(), [.g0])
    }

    func testAbortedReadG1a() {
        var s = TxnScript()
        let tag = s.write(0, 1)
        s.abort(0)
        s.read(1, 1, tag)
        s.commit(1)
        XCTAssertEqual(s.found(), [.g1a])
    }

    func testIntermediateReadG1b() {
        var s = TxnScript()
        let first = s.write(0, 1)
        s.read(1, 1, first)
        s.write(0, 1)
        s.commit(0)
        s.commit(1)
        XCTAssertEqual(s.found(), [.g1b])
    }

    func testCircularInformationFlowG1c() {
        var s = TxnScript()
        let x = s.write(0, 1)
        s.read(1, 1, x)
        let y = s.write(1, 2)
        s.read(0, 2, y)
        s.commit(0)
        s.commit(1)
        XCTAssertEqual(s.found(), [.g1c])
    }

    func testReadSkewGSingle() {
        var s = TxnScript()
        s.read(0, 1, 0)
        s.write(1, 1)
        let y = s.write(1, 2)
        s.commit(1)
        s.read(0, 2, y)
        s.commit(0)
        XCTAssertEqual(s.found(), [.gSingle])
    }

    static func writeSkew() -> TxnScript {
        var s = TxnScript()
        for b in 0..<2 {
            s.read(b, 1, 0)
            s.read(b, 2, 0)
        }
        s.write(0, 1)
        s.write(1, 2)
        s.commit(0)
        s.commit(1)
        return s
    }

    func testWriteSkewG2Item() {
        XCTAssertEqual(Self.writeSkew().found(), [.g2Item])
    }

    static func phantom() -> TxnScript {
        var s = TxnScript()
        s.predicate(0, 1, rows: [])
        s.predicate(1, 1, rows: [])
        s.insert(0, 1)
        s.insert(1, 1)
        s.commit(0)
        s.commit(1)
        return s
    }

    func testPhantomG2() {
        XCTAssertEqual(Self.phantom().found(), [.g2])
    }

    /// The one table: which model forbids which anomaly, judged end to end by the checker.
    func testModelsJudgeWhatTheyForbid() throws {
        let cases: [(TxnScript, Invariant, Verdict)] = [
            (Self.lostUpdate(), .serializable, .violated), (Self.lostUpdate(), .snapshotIsolation, .violated),
            (Self.lostUpdate(), .readCommitted, .holds),
            (Self.writeSkew(), .snapshotIsolation, .holds), (Self.writeSkew(), .repeatableRead, .violated),
            (Self.phantom(), .repeatableRead, .holds), (Self.phantom(), .serializable, .violated),
            (Self.phantom(), .g2, .violated), (Self.phantom(), .lostUpdate, .holds),
        ]
        for (script, invariant, verdict) in cases {
            let r = invariant.checker.judge(script.history(buyers: 2))
            XCTAssertEqual(r.verdict, verdict, "\(invariant.rawValue): \(r.summary)")
        }
        let r = Invariant.serializable.checker.judge(Self.lostUpdate().history(buyers: 2))
        XCTAssertTrue(r.summary.hasPrefix("lost-update: T2 (b2, task 1) → T1 (rw:"), r.summary)
        XCTAssertEqual(Set(r.blamed), [TaskRef(buyer: 0, task: 0), TaskRef(buyer: 1, task: 0)])
    }

    /// One shared analysis per trial gives each invariant the verdict and evidence its own would.
    func testSharedAnalysisJudgesAsEachCheckerAlone() {
        let invariants = Invariant.judged([.conservation, .serializable, .readCommitted, .snapshotIsolation])
        for script in [Self.lostUpdate(), Self.writeSkew(), Self.phantom()] {
            let h = script.history(buyers: 2)
            XCTAssertEqual(Invariant.judge(invariants, h), invariants.map { $0.checker.judge(h) })
        }
    }

    /// A buyer that bought without reporting versions: unknown with the reason, never holds.
    func testMissingVersionsAreUnknown() {
        var s = TxnScript()
        s.read(0, 0, 0)
        s.write(0, 0)
        s.commit(0)
        s.outcome(0)
        s.outcome(1)
        let r = Invariant.serializable.checker.judge(s.history(buyers: 2))
        XCTAssertEqual(r.verdict, .unknown)
        XCTAssertTrue(r.summary.contains("b2 task 1 ended (bought) without reporting its reads and writes"), r.summary)
    }

    /// A write nobody read, by a transaction with no outcome: it may have committed.
    func testUndecidedWriterIsUnknownNotHolds() {
        var s = TxnScript()
        s.read(0, 0, 0)
        s.write(0, 0)
        let r = Invariant.serializable.checker.judge(s.history(buyers: 1))
        XCTAssertEqual(r.verdict, .unknown, r.summary)
        XCTAssertTrue(r.summary.contains("reported no outcome"), r.summary)
    }

    func testReadOfAVersionNoWriteInstalledIsUnknown() {
        var s = TxnScript()
        s.read(0, 0, 5000)
        s.commit(0)
        let r = Invariant.serializable.checker.judge(s.history(buyers: 1))
        XCTAssertEqual(r.verdict, .unknown)
        XCTAssertTrue(r.summary.contains("which no reported write installed"), r.summary)
    }

    /// An abort starts the task's next attempt: a new transaction, named with its attempt.
    func testRetryIsANewTransaction() {
        var s = TxnScript()
        s.read(0, 0, 0)
        s.abort(0)
        s.read(0, 0, 0)
        s.write(0, 0)
        s.commit(0)
        let t = s.txns.txns
        XCTAssertEqual(t.map(\.attempt), [0, 1])
        XCTAssertEqual(t.map(\.status), [.aborted, .committed])
        XCTAssertEqual(Invariant.serializable.checker.judge(s.history(buyers: 1)).verdict, .holds)
    }
}

/// `invariants: [MODEL]` judges the model and, by name, every anomaly it forbids.
final class ModelInvariantLoaderTests: XCTestCase {
    func testAModelJudgesEachAnomalyItForbids() throws {
        let yaml = "name: t\ntickets: 1\nbuyers: 2\ninvariants: [conservation, repeatable-read]\nexpect: {lost-update: violated}\n"
        let s = try ScenarioLoader().load(data: Data(yaml.utf8), path: "t.yaml")[0]
        XCTAssertEqual(s.invariants, [.conservation, .repeatableRead, .g0, .g1a, .g1b, .g1c, .lostUpdate, .gSingle, .g2Item])
        XCTAssertEqual(s.expectation(for: .lostUpdate), .violated)
        XCTAssertFalse(Scenario.defaultInvariants.contains(where: \.isTransactional))
    }
}
