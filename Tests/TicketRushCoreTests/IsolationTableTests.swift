import XCTest
@testable import TicketRushReports

/// docs/isolation.md's table and the HTML report's take their columns from the rows: an
/// engine's own modes (SQLite's `serializable/wal`) and MariaDB's read-uncommitted included,
/// weakest level first.
final class IsolationTableTests: XCTestCase {
    func testColumnsAreTheLevelsSeenWeakestFirst() {
        XCTAssertEqual(IsolationCSV.levels(["serializable/wal", "read-uncommitted/delete", "serializable/delete", "serializable/wal"]),
                       ["read-uncommitted/delete", "serializable/delete", "serializable/wal"])
        XCTAssertEqual(IsolationCSV.levels(["serializable", "read-committed", "read-uncommitted", "repeatable-read"]),
                       ["read-uncommitted", "read-committed", "repeatable-read", "serializable"])
    }

    func testEachEngineHasItsOwnTableWithItsOwnColumns() {
        let csv = """
            engine,version,isolation,case,outcome,how
            postgres,15.18,read-committed,P4,anomaly,
            sqlite,3.40.1,serializable/wal,P4,prevented,serialization failure
            sqlite,3.40.1,read-uncommitted/wal,P4,anomaly,
            """
        XCTAssertEqual(IsolationCSV.markdown(csv), """
            | postgres 15.18 | read-committed |
            |---|---|
            | P4 | **anomaly** |

            | sqlite 3.40.1 | read-uncommitted/wal | serializable/wal |
            |---|---|---|
            | P4 | **anomaly** | prevented (serialization failure) |
            """)
    }
}
