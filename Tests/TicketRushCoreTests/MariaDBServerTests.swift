import Foundation
import XCTest
import TicketRushModel
import TicketRushTestSupport
@testable import TicketRushEngines

/// The MariaDB engine's foundation against a real private server: the client (statements,
/// rows, error number + SQLSTATE + message, connection id), the retryable errors, who may
/// connect.
final class MariaDBServerTests: XCTestCase {
    nonisolated(unsafe) static var server: MariaDBServer?
    nonisolated(unsafe) static var location: String?
    nonisolated(unsafe) static var startError: String?

    override class func setUp() {
        guard MariaDBServer.installed else { return }
        do {
            if let problem = EngineRegistry.clientProblem(.mariadb) { throw ServerError(description: problem) }
            let s = try MariaDBServer(buyers: 10)
            location = try s.start().location
            server = s
        } catch {
            startError = "\(error)"
        }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
    }

    /// A buyer's connection to the class's server.
    private func connected() throws -> MariaDBDriver {
        guard MariaDBServer.installed else { throw XCTSkip("mariadb-server is not installed") }
        guard let location = Self.location else {
            XCTFail("the private server did not start: \(Self.startError ?? "?")")
            throw XCTSkip("no server")
        }
        let d = MariaDBDriver(EngineTarget(kind: .mariadb, location: location))
        if let e = d.connect() { XCTFail("connect: \(e.message)") }
        return d
    }

    func testTheClientRunsStatementsReturnsRowsAndReportsErrors() throws {
        let address = MariaDBAddress(url: Self.location ?? "")
        let c = try connected()
        XCTAssertTrue(address.socket.hasPrefix("/") && address.socket.utf8.count <= 107, address.socket)
        for s in ["DROP TABLE IF EXISTS t1", "CREATE TABLE t1 (id INT PRIMARY KEY, v INT)"] { XCTAssertEqual(c.execute(s).status, .ok, s) }
        XCTAssertEqual(c.execute("INSERT INTO t1 VALUES (1, 10), (2, NULL)").changes, 2)
        let rows = c.query("SELECT id, v FROM t1 ORDER BY id")
        XCTAssertEqual(rows.text, "1|10\n2|null\n")
        XCTAssertEqual(rows.reply.row?.0, 1)
        XCTAssertEqual(rows.reply.row?.1, 10)
        // An UPDATE that leaves the values as they were still matched its row (CLIENT_FOUND_ROWS).
        XCTAssertEqual(c.execute("UPDATE t1 SET v = 10 WHERE id = 1").changes, 1)
        XCTAssertNil(c.query("SELECT id FROM t1", limit: 2).text, "rows that do not fit")
        let missing = c.query("SELECT * FROM no_such_table")
        XCTAssertEqual(missing.reply.status, .failed)
        XCTAssertEqual(EngineCode.text(missing.reply.code), "MariaDB error 1146")
        XCTAssertEqual(missing.sqlstate, "42S02")
        XCTAssertTrue(missing.reply.message.contains("no_such_table"), missing.reply.message)
        let id = c.execute("SELECT CONNECTION_ID(), 0").row?.0
        XCTAssertEqual(id.map(UInt.init), c.threadID)
        XCTAssertGreaterThan(c.threadID, 0)
        _ = c.execute("DROP TABLE t1")
    }

    /// Error 1205 (lock wait timeout) and 1213 (deadlock) are retries with their reasons.
    /// A runner's call (setup, final read, drop) gets the target's bound for its connection
    /// and statements together (docs/storage.md), not a fresh one per statement: two
    /// statements that each answer within it but not both together are unanswered.
    func testARunnersCallHasOneBoundForAllItsStatements() throws {
        _ = try connected()
        var target = EngineTarget(kind: .mariadb, location: Self.location ?? "")
        target.answerWithinNs = 4_000_000_000
        XCTAssertEqual(try MariaDBDriver.run(target, ["SELECT SLEEP(2.5)"]).status, .ok, "one statement within the bound")
        XCTAssertThrowsError(try MariaDBDriver.run(target, ["SELECT SLEEP(2.5)", "SELECT SLEEP(2.5)"])) { error in
            XCTAssertEqual((error as? EngineUnanswered)?.interrupted, false, "\(error)")
            XCTAssertTrue("\(error)".contains("did not answer within 4s"), "\(error)")
        }
    }

    func testLockWaitTimeoutAndDeadlockAreRetries() throws {
        let one = try connected(), two = try connected()
        for s in ["DROP TABLE IF EXISTS t2", "CREATE TABLE t2 (id INT PRIMARY KEY, v INT)", "INSERT INTO t2 VALUES (1, 0), (2, 0)"] {
            XCTAssertEqual(one.execute(s).status, .ok, s)
        }
        XCTAssertEqual(one.execute("START TRANSACTION").status, .ok)
        XCTAssertEqual(one.execute("UPDATE t2 SET v = 1 WHERE id = 1").status, .ok)
        XCTAssertEqual(two.execute("SET SESSION innodb_lock_wait_timeout = 1").status, .ok)
        let waited = two.execute("UPDATE t2 SET v = 2 WHERE id = 1")
        XCTAssertEqual(waited.status, .retry(.lockWaitTimeout), waited.message)
        XCTAssertEqual(EngineCode.text(waited.code), "MariaDB error 1205")
        // A deadlock: each holds one row and wants the other's; InnoDB picks a victim at once.
        XCTAssertEqual(two.execute("SET SESSION innodb_lock_wait_timeout = 30").status, .ok)
        XCTAssertEqual(two.execute("START TRANSACTION").status, .ok)
        XCTAssertEqual(two.execute("UPDATE t2 SET v = 2 WHERE id = 2").status, .ok)
        let done = expectation(description: "the first session's second update")
        nonisolated(unsafe) var first: EngineReply?
        nonisolated(unsafe) let blocked = one
        Thread.detachNewThread {
            first = blocked.execute("UPDATE t2 SET v = 1 WHERE id = 2")
            done.fulfill()
        }
        // Whichever update comes second closes the cycle: InnoDB picks a victim either way.
        let second = two.execute("UPDATE t2 SET v = 2 WHERE id = 1")
        wait(for: [done], timeout: 30)
        let outcomes = [first?.status, second.status]
        XCTAssertTrue(outcomes.contains(.retry(.deadlockDetected)), "\(outcomes) \(second.message) \(first?.message ?? "")")
        XCTAssertEqual(EngineCode.text(first?.status == .retry(.deadlockDetected) ? first!.code : second.code), "MariaDB error 1213")
        _ = one.execute("ROLLBACK")
        _ = two.execute("ROLLBACK")
        _ = one.execute("DROP TABLE t2")
    }

    /// Under root the server runs as nobody with its socket in nobody's 0700 folder (inside
    /// the runner's own folder, which no other uid may write), and the only accounts a
    /// login can reach are root and the runner's user, by unix_socket (the peer's uid):
    /// root's password is the install's "invalid", no password's hash.
    func testOnlyTheRunnersUserHasAnAccount() throws {
        let c = try connected()
        let folder = (MariaDBAddress(url: Self.location!).socket as NSString).deletingLastPathComponent
        var st = stat(), top = stat()
        XCTAssertEqual(stat(folder, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700, "the socket's folder")
        XCTAssertEqual(st.st_uid, geteuid() == 0 ? 65534 : geteuid())
        XCTAssertEqual(stat((folder as NSString).deletingLastPathComponent, &top), 0)
        XCTAssertEqual(top.st_uid, geteuid(), "the runner's own folder")
        XCTAssertEqual(top.st_mode & 0o022, 0, "the runner's folder is writable by others")
        let accounts = c.query("SELECT user, JSON_VALUE(priv, '$.account_locked') FROM mysql.global_priv ORDER BY user").text ?? "?"
        let me = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        let open = accounts.split(separator: "\n").filter { !$0.hasSuffix("|true") && !$0.hasSuffix("|1") }.map { String($0.split(separator: "|")[0]) }
        XCTAssertEqual(Set(open), Set(["root", me]), "accounts: \(accounts)")
        let auth = c.query("SELECT JSON_VALUE(priv, '$.authentication_string'), JSON_VALUE(priv, '$.auth_or[1].plugin') FROM mysql.global_priv WHERE user IN ('root', '\(me)')")
        XCTAssertEqual(Set((auth.text ?? "").split(separator: "\n")), ["invalid|unix_socket"], auth.text ?? "")
    }
}
