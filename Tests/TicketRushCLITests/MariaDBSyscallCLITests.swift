import Foundation
import TicketRushTestSupport
import XCTest

/// `control: syscalls` on MariaDB through the built binary (NetworkSyscallCLI): an
/// unmodified PyMySQL buyer whose statements (COM_QUERY) are the steps.
final class MariaDBSyscallCLITests: XCTestCase {
    private var cli: NetworkSyscallCLI { NetworkSyscallCLI(test: self, module: "pymysql") }

    override func setUpWithError() throws {
        try cli.skipUnlessAvailable(server: "/usr/sbin/mariadbd", serverMissing: "mariadb-server is not installed", install: ".ci/run installs it")
    }

    /// READ COMMITTED: the lost update is found, the search complete, the counterexample replays.
    func testTheLostUpdateAtReadCommittedIsFoundAndReplays() throws {
        try cli.lostUpdateIsFoundAndReplays("pymysql-race-syscalls")
    }

    /// InnoDB lists buyer 2's connection in LOCK WAIT behind buyer 1's row lock.
    func testAStatementWaitingForALockIsBlockedUntilTheHolderCommits() throws {
        try cli.blockedUntilTheHolderCommits("pymysql-race-syscalls", replay: "S1.00000000.1212")
    }

    /// SERIALIZABLE: both SELECTs take shared locks, the UPDATEs wait on each other, InnoDB
    /// ends one with a deadlock (1213) and that buyer retries; no order oversells, complete.
    func testSerializableHoldsInEveryOrder() throws {
        let reports = try cli.holdsInEveryOrder("pymysql-serializable-syscalls")
        // Some order deadlocks and its buyer retries (its `retry: 1213` line is a store.retry).
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let trials = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["trials"] as? [[String: Any]])
        XCTAssertGreaterThan(trials.reduce(0) { $0 + ($1["retries"] as? Int ?? 0) }, 0, "no order deadlocked")
    }

    /// InnoDB's REPEATABLE READ: the plain SELECT reads the snapshot, the UPDATE writes the
    /// latest row without checking it: the lost update is in some order, as at READ COMMITTED.
    func testInnoDBRepeatableReadLosesTheUpdateInSomeOrder() throws {
        let s = try cli.search("pymysql-repeatable-syscalls", timeout: 1200).schedule
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0, "some order sells the last ticket twice")
    }

    /// SIGINT once a held PyMySQL buyer exists: nothing of the run is left.
    func testAnInterruptedRunLeavesNoProcessAndNoServer() throws {
        // "--datadir=DIR/data": the server's folder DIR goes with it.
        try cli.interruptLeavesNothing("pymysql-race-syscalls", buyer: "buy_pymysql.py", isServer: { $0.contains("mariadbd") && $0.contains("--datadir=") },
                                       folder: { (String($0.components(separatedBy: "--datadir=")[1].split(separator: " ")[0]) as NSString).deletingLastPathComponent })
    }
}
