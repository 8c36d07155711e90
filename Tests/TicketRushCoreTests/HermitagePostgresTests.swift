import XCTest
import TicketRushModel
import TicketRushChecks
import TicketRushRunner
@testable import TicketRushEngines

/// Hermitage's PostgreSQL cases (ept/hermitage postgres.md; the isolation-tester specs in
/// ../shared/design/isolation/gen.sh) run as session cases on a private server. The expected
/// matrix is what PostgreSQL's own isolationtester gave on this machine's PostgreSQL 15
/// (../shared/design/isolation/README), equal to Hermitage's published row.
final class HermitagePostgresTests: XCTestCase {
    nonisolated(unsafe) static var server: PostgresServer?
    nonisolated(unsafe) static var conninfo: String?
    nonisolated(unsafe) static var startError: String?

    override class func setUp() {
        guard PostgresServer.installed else { return }
        do {
            // The runner loads libpq before it starts a server (its readiness ping uses it).
            if let problem = EngineRegistry.clientProblem(.postgres) { throw PostgresSessions.Failure(description: problem) }
            let s = try PostgresServer(maxConnections: 20)
            conninfo = try s.start().location
            server = s
        } catch {
            startError = "\(error)"
        }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
    }

    static let table = ["CREATE TABLE test (id int primary key, value int)", "INSERT INTO test (id, value) VALUES (1, 10), (2, 20)"]

    /// name, sessions, the isolation tester's permutation (each session's BEGIN first).
    static let cases: [(String, [(String, [String])], [String])] = [
        ("G0", [("T1", ["BEGIN", "UPDATE test SET value = 11 WHERE id = 1", "UPDATE test SET value = 21 WHERE id = 2", "COMMIT"]),
                ("T2", ["BEGIN", "UPDATE test SET value = 12 WHERE id = 1", "UPDATE test SET value = 22 WHERE id = 2", "COMMIT"]),
                ("R", ["SELECT * FROM test ORDER BY id"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T1.4", "T2.3", "T2.4", "R.1"]),
        ("G1a", [("T1", ["BEGIN", "UPDATE test SET value = 101 WHERE id = 1", "ABORT"]),
                 ("T2", ["BEGIN", "SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 1", "COMMIT"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T2.3", "T2.4"]),
        ("P4", [("T1", ["BEGIN", "SELECT * FROM test WHERE id = 1", "UPDATE test SET value = 11 WHERE id = 1", "COMMIT"]),
                ("T2", ["BEGIN", "SELECT * FROM test WHERE id = 1", "UPDATE test SET value = 11 WHERE id = 1", "COMMIT"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T2.3", "T1.4", "T2.4"]),
        ("G-single", [("T1", ["BEGIN", "SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 2", "COMMIT"]),
                      ("T2", ["BEGIN", "SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 2",
                              "UPDATE test SET value = 12 WHERE id = 1", "UPDATE test SET value = 18 WHERE id = 2", "COMMIT"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T2.3", "T2.4", "T2.5", "T2.6", "T1.3", "T1.4"]),
        ("PMP", [("T1", ["BEGIN", "SELECT * FROM test WHERE value = 30", "SELECT * FROM test WHERE value % 3 = 0", "COMMIT"]),
                 ("T2", ["BEGIN", "INSERT INTO test (id, value) VALUES (3, 30)", "COMMIT"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T2.3", "T1.3", "T1.4"]),
        ("G2-item", [("T1", ["BEGIN", "SELECT * FROM test WHERE id IN (1,2)", "UPDATE test SET value = 11 WHERE id = 1", "COMMIT"]),
                     ("T2", ["BEGIN", "SELECT * FROM test WHERE id IN (1,2)", "UPDATE test SET value = 21 WHERE id = 2", "COMMIT"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T2.3", "T1.4", "T2.4"]),
        ("G2", [("T1", ["BEGIN", "SELECT * FROM test WHERE value % 3 = 0", "INSERT INTO test (id, value) VALUES (3, 30)", "COMMIT"]),
                ("T2", ["BEGIN", "SELECT * FROM test WHERE value % 3 = 0", "INSERT INTO test (id, value) VALUES (4, 42)", "COMMIT"])],
         ["T1.1", "T2.1", "T1.2", "T2.2", "T1.3", "T2.3", "T1.4", "T2.4"]),
    ]

    /// isolationtester's matrix on PostgreSQL 15 (design/isolation/README).
    static let expected: [String: [Isolation: SerialOracle.Outcome]] = [
        "G0": [.readCommitted: .prevented, .repeatableRead: .prevented, .serializable: .prevented],
        "G1a": [.readCommitted: .prevented, .repeatableRead: .prevented, .serializable: .prevented],
        "P4": [.readCommitted: .anomaly, .repeatableRead: .prevented, .serializable: .prevented],
        "G-single": [.readCommitted: .anomaly, .repeatableRead: .prevented, .serializable: .prevented],
        "PMP": [.readCommitted: .anomaly, .repeatableRead: .prevented, .serializable: .prevented],
        "G2-item": [.readCommitted: .anomaly, .repeatableRead: .anomaly, .serializable: .prevented],
        "G2": [.readCommitted: .anomaly, .repeatableRead: .anomaly, .serializable: .prevented],
    ]

    static func sessionCase(_ i: Int) -> (SessionCase, [StepRef]) {
        let (name, sessions, labels) = cases[i]
        let c = SessionCase(setup: table, sessions: sessions.map { SessionCase.Session(name: $0.0, statements: $0.1) }, caseName: name)
        return (c, labels.map { c.step(named: $0)! })
    }

    private func conninfo() throws -> String {
        if let e = Self.startError { XCTFail("the private PostgreSQL server did not start: \(e)") }
        guard let c = Self.conninfo else { throw XCTSkip("PostgreSQL is not installed here (initdb/postgres not found)") }
        return c
    }

    func testEveryCaseAtEveryLevelMatchesTheIsolationTester() throws {
        let conninfo = try conninfo()
        var seen: [String] = []
        // Hermitage's PostgreSQL row has three levels; PostgreSQL runs read uncommitted as read committed.
        for level in Isolation.allCases where level != .readUncommitted {
            let db = try PostgresSessions(conninfo: conninfo, isolation: level)
            for i in Self.cases.indices {
                let (c, order) = Self.sessionCase(i)
                XCTAssertNil(c.problem(with: order))
                let run = try db.run(c, order: order)
                XCTAssertNil(run.stuck, "\(c.caseName!) at \(level): \(run.stuck ?? "")")
                let j = try db.judge(c, run)
                let outcome: SerialOracle.Outcome = j.explainedBy == nil ? .anomaly : .prevented
                seen.append("\(c.caseName!) \(level.rawValue): \(outcome.rawValue)\(j.how.map { " (\($0))" } ?? "")")
                XCTAssertEqual(outcome, Self.expected[c.caseName!]![level], "\(c.caseName!) at \(level.rawValue): \(j)")
            }
        }
        // How each was prevented is the server's doing, and fixed for these orders.
        XCTAssert(seen.contains("G0 read-committed: prevented (blocked)"), "\(seen)")
        XCTAssert(seen.contains("P4 repeatable-read: prevented (serialization failure)"), "\(seen)")
        XCTAssert(seen.contains("G-single repeatable-read: prevented (result)"), "\(seen)")
        XCTAssert(seen.contains("G2 serializable: prevented (serialization failure)"), "\(seen)")
    }

    /// Every order of P4's steps the server lets happen: some show the lost update at read
    /// committed; none does at serializable, and the search is complete.
    func testExhaustiveP4() throws {
        let conninfo = try conninfo()
        let (c, _) = Self.sessionCase(2)
        var tally: [Isolation: (runs: Int, anomalies: Int, complete: Bool)] = [:]
        for level in [Isolation.readCommitted, .serializable] {
            let db = try PostgresSessions(conninfo: conninfo, isolation: level)
            var anomalies = 0
            let (runs, complete) = try db.explore(c, limit: 200) { (run: SessionRun) throws -> Bool in
                XCTAssertNil(run.stuck)
                if try db.judge(c, run).explainedBy == nil { anomalies += 1 }
                return true
            }
            tally[level] = (runs, anomalies, complete)
        }
        XCTAssertEqual(tally[.readCommitted]?.complete, true)
        XCTAssertGreaterThan(tally[.readCommitted]?.anomalies ?? 0, 0)
        XCTAssertEqual(tally[.serializable]?.anomalies, 0)
        XCTAssertEqual(tally[.serializable]?.complete, true)
        // Without blocking there would be C(8,4) = 70 orders; a blocked update removes some.
        XCTAssertLessThanOrEqual(tally[.readCommitted]!.runs, 70)
    }

    /// A permutation that runs a blocked session's next step is stuck, as the isolation
    /// tester's "cannot proceed", not a hang.
    func testAStepOfABlockedSessionIsStuck() throws {
        let conninfo = try conninfo()
        let (c, _) = Self.sessionCase(0)
        let order = ["T1.1", "T2.1", "T1.2", "T2.2", "T2.3", "T1.3", "T1.4", "T2.4", "R.1"].map { c.step(named: $0)! }
        let run = try PostgresSessions(conninfo: conninfo, isolation: .readCommitted).run(c, order: order)
        XCTAssertEqual(run.stuck, "T2.3 came next while T2 was blocked")
    }

    func testPermutationProblems() {
        let (c, order) = Self.sessionCase(2)
        XCTAssertNil(c.problem(with: order))
        XCTAssertEqual(c.problem(with: Array(order.dropLast())), "leaves out T2.4")
        XCTAssertEqual(c.problem(with: [order[0], order[0]] + order.dropFirst()), "repeats T1.1")
        XCTAssertEqual(c.problem(with: [order[2]] + order), "runs T1.2 before T1.1")
        XCTAssertNil(c.step(named: "T3.1"))
        XCTAssertNil(c.step(named: "T1.5"))
    }
}
