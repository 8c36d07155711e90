import Foundation
import XCTest
import TicketRushModel
@testable import TicketRushEngines

/// Session cases on SQLite (docs/isolation.md): no busy timeout, so a lock conflict is
/// SQLITE_BUSY at once; the session is blocked and its statement tried again when another
/// session moved; every unfinished session blocked is a deadlock. SQLite runs in one
/// process here, so each assertion is about what the engine answers, not about timing.
final class SQLiteSessionsTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "sqlite-sessions-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    static let setup = ["create table test (id int primary key, value int)", "insert into test (id, value) values (1, 10), (2, 20)"]

    /// Hermitage's P4 (lost update): both read, both write, both commit, interleaved.
    static let p4 = SessionCase(setup: setup, sessions: [
        .init(name: "T1", statements: ["begin", "select * from test where id = 1", "update test set value = 11 where id = 1", "commit"]),
        .init(name: "T2", statements: ["begin", "select * from test where id = 1", "update test set value = 11 where id = 1", "commit"]),
    ])

    static func order(_ c: SessionCase, _ labels: [String]) -> [StepRef] { labels.compactMap { c.step(named: $0) } }
    static let p4Order = ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T2.3", "T1.4", "T2.4"]

    private func engine(_ journal: SQLiteJournal, _ isolation: Isolation = .serializable) throws -> SQLiteSessions {
        try SQLiteSessions(folder: folder, journal: journal, isolation: isolation)
    }

    private func outcome(_ run: SessionRun, _ c: SessionCase, _ label: String) throws -> StepOutcome {
        try XCTUnwrap(run.outcome(XCTUnwrap(c.step(named: label))), "\(label) did not finish: \(run.finished)")
    }

    /// Rollback journal: T2's write waits for T1's RESERVED lock, T1's commit for T2's SHARED
    /// lock — every session blocked. The last to block (T1's commit) is the victim, rolled
    /// back; T2's update then goes through and commits.
    func testARollbackJournalDeadlockEndsInTheLastBlockedSessionsRollback() throws {
        let c = Self.p4
        let run = try engine(.delete).run(c, order: Self.order(c, Self.p4Order))
        XCTAssertNil(run.stuck)
        let t2Update = try outcome(run, c, "T2.3")
        XCTAssertTrue(t2Update.blocked)
        XCTAssertNil(t2Update.error.map { "\($0)" })
        let t1Commit = try outcome(run, c, "T1.4")
        XCTAssertEqual(t1Commit.error?.state, "SQLITE_BUSY (deadlock)")
        XCTAssertEqual(try engine(.delete).refusal(t1Commit.error?.state ?? ""), .deadlock)
        XCTAssertNil(try outcome(run, c, "T2.4").error.map { "\($0)" })
        // T2's update is the only one that committed.
        XCTAssertEqual(run.finalState, ["test: 1|11", "test: 2|20"])
    }

    /// WAL: T2's write waits for T1's write lock; once T1 commits, T2's snapshot is older than
    /// T1's commit, and the retried write is refused with SQLITE_BUSY_SNAPSHOT.
    func testWALRefusesAWriteOnAnOldSnapshotAsASerializationFailure() throws {
        let c = Self.p4
        let db = try engine(.wal)
        let run = try db.run(c, order: Self.order(c, Self.p4Order))
        let t2Update = try outcome(run, c, "T2.3")
        XCTAssertTrue(t2Update.blocked)
        XCTAssertEqual(t2Update.error?.state, "SQLITE_BUSY_SNAPSHOT")
        XCTAssertEqual(db.refusal("SQLITE_BUSY_SNAPSHOT"), .serializationFailure)
        XCTAssertNil(try outcome(run, c, "T1.4").error.map { "\($0)" })
        XCTAssertEqual(run.finalState, ["test: 1|11", "test: 2|20"])
        XCTAssertEqual(db.isolationName, "serializable/wal")
    }

    /// read-uncommitted (shared cache, PRAGMA read_uncommitted): T2 reads T1's write before
    /// T1 rolls it back — a dirty read separate connections never give.
    func testReadUncommittedReadsAnUncommittedWrite() throws {
        let c = SessionCase(setup: Self.setup, sessions: [
            .init(name: "T1", statements: ["begin", "update test set value = 101 where id = 1", "rollback"]),
            .init(name: "T2", statements: ["begin", "select * from test where id = 1", "commit"]),
        ])
        let order = Self.order(c, ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T2.3"])
        XCTAssertEqual(try outcome(try engine(.wal, .readUncommitted).run(c, order: order), c, "T2.2").rows, ["1|101"])
        XCTAssertEqual(try outcome(try engine(.wal, .serializable).run(c, order: order), c, "T2.2").rows, ["1|10"])
        XCTAssertEqual(try engine(.delete, .readUncommitted).isolationName, "read-uncommitted/delete")
    }

    /// A blocked session is not runnable: an order naming its next step first is stuck.
    func testAStepOfABlockedSessionCannotComeNext() throws {
        let c = SessionCase(setup: Self.setup, sessions: [
            .init(name: "T1", statements: ["begin", "update test set value = 11 where id = 1", "commit"]),
            .init(name: "T2", statements: ["begin", "update test set value = 12 where id = 1", "select * from test where id = 1", "commit"]),
        ])
        let run = try engine(.wal).run(c, order: Self.order(c, ["T1.1", "T2.1", "T1.2", "T2.2", "T2.3", "T1.3", "T2.4"]))
        XCTAssertEqual(run.stuck, "T2.3 came next while T2 was blocked")
    }

    /// Every order SQLite lets happen, from a fresh file each: the search is complete, and
    /// in none did both updates commit (the lost update never happens).
    func testEveryOrderOfP4IsExploredAndNoneLosesAnUpdate() throws {
        var lost = 0
        let (runs, complete) = try engine(.delete).explore(Self.p4, limit: 1000) { run in
            let committed = ["T1.4", "T2.4"].filter { l in run.outcome(Self.p4.step(named: l)!).map { $0.error == nil } ?? false }
            let readOld = ["T1.2", "T2.2"].allSatisfy { l in run.outcome(Self.p4.step(named: l)!)?.rows == ["1|10"] }
            if committed.count == 2 && readOld { lost += 1 }
            return true
        }
        XCTAssertTrue(complete)
        XCTAssertGreaterThan(runs, 1)
        XCTAssertEqual(lost, 0)
        // Each run's file is removed after it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }
}
