import XCTest
@testable import TicketRushEngines

/// MariaDB's blocked question reads SHOW ENGINE INNODB STATUS: a transaction block with a
/// `LOCK WAIT` line names the waiting session by its thread id (CONNECTION_ID()).
final class MariaDBSessionsTests: XCTestCase {
    /// Trimmed from MariaDB 10.11's own output while T2 (thread 7) waited for T1 (thread 6).
    static let status = """
        ------------
        TRANSACTIONS
        ------------
        LIST OF TRANSACTIONS FOR EACH SESSION:
        ---TRANSACTION 24, ACTIVE 0 sec starting index read
        mysql tables in use 1, locked 1
        LOCK WAIT 2 lock struct(s), heap size 1128, 1 row lock(s)
        MariaDB thread id 7, OS thread handle 140529520109248, query id 18 localhost root Updating
        update test set value = 12 where id = 1
        ------- TRX HAS BEEN WAITING 0 us FOR THIS LOCK TO BE GRANTED:
        ---TRANSACTION 23, ACTIVE 0 sec
        2 lock struct(s), heap size 1128, 1 row lock(s), undo log entries 1
        MariaDB thread id 6, OS thread handle 140529520723648, query id 17 localhost root
        ---TRANSACTION (0x7fcf947dbb80), not started
        0 lock struct(s), heap size 1128, 0 row lock(s)
        """

    func testOnlyTheTransactionInLockWaitIsWaiting() {
        XCTAssertEqual(MariaDBSessions.waiting(Self.status), [7])
    }

    func testMySQLsSpellingIsReadToo() {
        XCTAssertEqual(MariaDBSessions.waiting(Self.status.replacingOccurrences(of: "MariaDB thread id 7", with: "MySQL thread id 17")), [17])
    }

    func testNoLockWaitNoWaiting() {
        XCTAssertEqual(MariaDBSessions.waiting(Self.status.replacingOccurrences(of: "LOCK WAIT ", with: "")), [])
    }
}
