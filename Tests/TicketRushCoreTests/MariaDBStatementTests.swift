import XCTest
import TicketRushModel
import TicketRushEngines
import TicketRushFormat

/// What each lock mode sends to MariaDB (docs/storage.md), how its codes read, and how its
/// `url` is taken apart, without a server.
final class MariaDBStatementTests: XCTestCase {
    private func sql(_ mode: LockMode, _ isolation: Isolation = .readCommitted) -> SQLStatements {
        SQLStatements(dialect: .mariadb, mode: mode, table: "t", isolation: isolation)
    }

    func testStatementsPerMode() {
        // SET TRANSACTION (no SESSION) applies to the next transaction only.
        XCTAssertEqual(sql(.transaction).begin, ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "START TRANSACTION"])
        for level in Isolation.allCases {
            XCTAssertEqual(sql(.transaction, level).begin.first, "SET TRANSACTION ISOLATION LEVEL \(level.sql)")
        }
        XCTAssertEqual(Isolation.readUncommitted.sql, "READ UNCOMMITTED")
        XCTAssertEqual(sql(.rowLock).read(inTransaction: true), "SELECT count, version FROM t WHERE id = 1 FOR UPDATE")
        XCTAssertEqual(sql(.rowLock).read(inTransaction: false), "SELECT count, version FROM t WHERE id = 1")
        XCTAssertEqual(sql(.transaction).read(inTransaction: true), "SELECT count, version FROM t WHERE id = 1")
        // No RETURNING on MariaDB's UPDATE: the new count is read from the session variable the UPDATE set.
        XCTAssertEqual(sql(.atomic).write(count: 0, expected: nil),
                       "UPDATE t SET count = (@tr_count := count - 1), version = version + 1 WHERE id = 1 AND count > 0")
        XCTAssertEqual(sql(.atomic).atomicResult, "SELECT @tr_count, 0")
        XCTAssertNil(SQLStatements(dialect: .postgres, mode: .atomic, table: "t").atomicResult)
        XCTAssertEqual(sql(.optimistic).write(count: 4, expected: 7, tag: 2049), "UPDATE t SET count = 4, version = 2049 WHERE id = 1 AND version = 7")
        // advisory: the session's named lock around a transaction, released after it.
        XCTAssertEqual(sql(.advisory).begin, ["SELECT GET_LOCK('t', 3600)", "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "START TRANSACTION"])
        XCTAssertEqual(sql(.advisory).unlock, "DO RELEASE_LOCK('t')")
        XCTAssertNil(sql(.rowLock).unlock)
        XCTAssertEqual(sql(.none).begin, [])
    }

    func testCodesAndRetries() {
        XCTAssertEqual(EngineCode.text(EngineCode.mariadb(1213)), "MariaDB error 1213")
        XCTAssertEqual(RetryReason.lockWaitTimeout.name, "lock wait timeout")
        let d = StorageKind.mariadb.descriptor
        XCTAssertEqual(d.retryCodes["1213"], .deadlockDetected)
        XCTAssertEqual(d.retryCodes["1205"], .lockWaitTimeout)
        XCTAssertEqual(d.installLine, "apt-get install libmariadb-dev mariadb-server")
        XCTAssertEqual(Set(d.modes.keys), [.none, .transaction, .rowLock, .atomic, .optimistic, .advisory])
    }

    func testURLs() {
        let a = MariaDBAddress(url: "mariadb://ann:p%40ss@db.example:3307/shop?socket=&password=ignored")
        XCTAssertEqual(a.user, "ann")
        XCTAssertEqual(a.password, "ignored")  // the query's password comes after the userinfo's
        XCTAssertEqual(a.host, "db.example")
        XCTAssertEqual(a.port, 3307)
        XCTAssertEqual(a.database, "shop")
        XCTAssertEqual(a.socket, "")
        let b = MariaDBAddress(url: "mysql://root@localhost/ticketrush?socket=/tmp/trdb.x/srv/mariadb.sock")
        XCTAssertEqual(b.socket, "/tmp/trdb.x/srv/mariadb.sock")
        XCTAssertNil(b.password)
        XCTAssertEqual(b.port, 3306)
        XCTAssertEqual(MariaDBAddress(url: "mariadb://u:p%40ss@h/d").password, "p@ss")
        XCTAssertEqual(MariaDBAddress(user: "root", socket: "/s", database: "ticketrush").url, "mariadb://root@localhost/ticketrush?socket=/s")
        XCTAssertEqual(redactedURL("mariadb://ann:secret@h/d"), "mariadb://ann:***@h/d")
    }

    func testInvalidCombinationsAreLocatedErrors() {
        func errors(_ yaml: String) -> [String] {
            let (_, diagnostics) = ScenarioLoader().check(data: Data(yaml.utf8), path: "s.yaml")
            return diagnostics.filter { $0.severity == .error }.map { "\($0.location.line):\($0.location.column): \($0.message)" }
        }
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\nstorage: {kind: mariadb, journal: wal}\n"),
                       ["4:35: 'storage.journal' applies to storage.kind sqlite, not mariadb"])
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\nstorage: {kind: mariadb, url: 'redis://h'}\n"),
                       ["4:31: 'storage.url' must start with mariadb:// or mysql://, got 'redis://h'"])
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\nstorage: {kind: mariadb, isolation: read-uncommitted}\nlock: transaction\n"), [])
    }

    func testWorkloadStatements() {
        func w(_ mode: LockMode, _ workload: Workload) -> SQLWorkloadStatements {
            SQLWorkloadStatements(dialect: .mariadb, mode: mode, table: "t", workload: workload)
        }
        let seats = Workload.seats(seats: 3, wants: 1), rows = Workload.rows(capacity: 2)
        XCTAssertEqual(w(.none, seats).create().last, "INSERT INTO t (id) SELECT i FROM (SELECT seq AS i FROM seq_1_to_3) AS s")
        XCTAssertTrue(w(.none, rows).create().last?.contains("id INTEGER PRIMARY KEY AUTO_INCREMENT") == true, w(.none, rows).create().joined())
        XCTAssertEqual(w(.rowLock, seats).read(key: 2), "SELECT coalesce(owner, 0), version FROM t WHERE id = 2 FOR UPDATE")
        XCTAssertEqual(w(.atomic, rows).conditional(.row(holder: 4, capacity: 2), tag: 9),
                       "INSERT INTO t (holder, version) SELECT 4, 9 FROM DUAL WHERE (SELECT count(*) FROM t) < 2")
    }

    /// What the transcript and the engine line say a mode holds on MariaDB.
    func testNarration() {
        let rc = LockNarration(mode: .transaction, storage: "mariadb", isolation: .readCommitted)
        XCTAssertEqual(rc.acquired, "is in a READ COMMITTED transaction (no lock yet)")
        XCTAssertNil(rc.readLocks)
        XCTAssertFalse(rc.exclusive)
        let ser = LockNarration(mode: .transaction, storage: "mariadb", isolation: .serializable)
        XCTAssertEqual(ser.readLocks, "takes a shared row lock (SELECT, SERIALIZABLE)")
        XCTAssertEqual(LockNarration(mode: .rowLock, storage: "mariadb").readLocks, "locks the row (SELECT … FOR UPDATE)")
        let advisory = LockNarration(mode: .advisory, storage: "mariadb")
        XCTAssertEqual(advisory.acquired, "holds the named lock (GET_LOCK)")
        XCTAssertTrue(advisory.exclusive)
    }
}
