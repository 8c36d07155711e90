import Foundation
import XCTest
import TicketRushFormat
import TicketRushTestSupport
@testable import TicketRushRunner

/// `control: syscalls` on PostgreSQL (docs/programs.md, "Network stores under syscalls"):
/// which sends of the frontend protocol are steps, the server's socket from its conninfo,
/// and the format's rule (postgres per buyer only).
final class SyscallNetworkTests: XCTestCase {
    /// A typed message: its type byte, its length (4 + body), its body.
    private func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        let n = body.count + 4
        return [UInt8(type.asciiValue!), UInt8(n >> 24), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + body
    }

    private func cString(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    /// The startup packet (protocol 3.0, user, database), untyped.
    private var startup: [UInt8] {
        let body: [UInt8] = [0, 3, 0, 0] + cString("user") + cString("postgres") + [0]
        let n = body.count + 4
        return [UInt8(n >> 24), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + body
    }

    func testAQueryIsAStepAndStartupAuthenticationAndTerminateAreNot() {
        var s = PgFrontendStream()
        XCTAssertNil(s.feed(startup))
        XCTAssertNil(s.feed(message("p", cString("secret"))))
        XCTAssertEqual(s.feed(message("Q", cString("BEGIN ISOLATION LEVEL READ COMMITTED"))), "BEGIN ISOLATION LEVEL READ COMMITTED")
        XCTAssertNil(s.feed(message("X", [])))
        XCTAssertFalse(s.lost)
    }

    /// BEGIN and a plain SELECT only read (their steps commute with another buyer's reads);
    /// a locking SELECT, a function call, an UPDATE, COMMIT, two statements in one Query and a
    /// batch that binds a statement prepared earlier write.
    func testOnlyBeginAndPlainSelectsRead() {
        var s = PgFrontendStream()
        _ = s.feed(startup)
        func reads(_ sql: String) -> Bool {
            XCTAssertNotNil(s.feed(message("Q", cString(sql))), sql)
            return s.lastReadOnly
        }
        XCTAssertTrue(reads("BEGIN ISOLATION LEVEL REPEATABLE READ"))
        XCTAssertTrue(reads("START TRANSACTION"))
        XCTAssertTrue(reads("select count\nfrom t where id = 1"))
        for sql in ["SELECT count FROM t WHERE id = 1 FOR UPDATE", "SELECT count FROM t FOR SHARE", "SELECT pg_advisory_lock(1)",
                    "SELECT nextval ('s')", "SELECT * INTO t2 FROM t", "UPDATE t SET count = 0", "COMMIT", "ROLLBACK",
                    "SELECT 1; UPDATE t SET count = 0", "SELECT 1 -- x", "SET x = 1", ""] {
            XCTAssertFalse(reads(sql), sql)
        }
        let parse = message("P", cString("") + cString("SELECT count FROM t WHERE id = 1") + [0, 0])
        let bind = message("B", [0, 0, 0, 0, 0, 0]), sync = message("S", [])
        XCTAssertEqual(s.feed(parse + bind + message("E", [0, 0, 0, 0, 0]) + sync), "SELECT count FROM t WHERE id = 1")
        XCTAssertTrue(s.lastReadOnly)
        // Bind of a named statement no Parse of this batch made: not known, so a write.
        let named = message("B", [0] + cString("s1") + [0, 0, 0, 0])
        XCTAssertEqual(s.feed(parse + named + sync), "SELECT count FROM t WHERE id = 1")
        XCTAssertFalse(s.lastReadOnly)
        XCTAssertEqual(s.feed(bind + sync), "(a prepared statement)")
        XCTAssertFalse(s.lastReadOnly)
        // A SQL text longer than the bytes kept (4 KiB) is not read whole: a write.
        XCTAssertFalse(reads("SELECT count FROM t WHERE id = 1" + String(repeating: " ", count: 5000)))
    }

    /// An SSL request is followed by another untyped message, the startup packet.
    func testAnSSLRequestKeepsTheStreamUntypedUntilTheStartupPacket() {
        var s = PgFrontendStream()
        XCTAssertNil(s.feed([0, 0, 0, 8, 4, 210, 22, 47]))
        XCTAssertNil(s.feed(startup))
        XCTAssertEqual(s.feed(message("Q", cString("SELECT 1"))), "SELECT 1")
    }

    /// Parse, Bind, Describe, Execute, Sync in one send: the send is one step showing the SQL.
    func testAnExtendedBatchIsOneStepAtItsSync() {
        var s = PgFrontendStream()
        _ = s.feed(startup)
        let parse = message("P", cString("") + cString("UPDATE t SET count = $1 WHERE id = 1") + [0, 0])
        let batch = parse + message("B", [0, 0, 0, 0, 0, 0]) + message("D", [UInt8(ascii: "P"), 0]) + message("E", [0, 0, 0, 0, 0]) + message("S", [])
        XCTAssertEqual(s.feed(batch), "UPDATE t SET count = $1 WHERE id = 1")
        // A Sync with no Parse since the last one runs a statement prepared before.
        XCTAssertEqual(s.feed(message("B", [0, 0, 0, 0, 0, 0]) + message("E", [0, 0, 0, 0, 0]) + message("S", [])), "(a prepared statement)")
    }

    /// A message cut across sends (libpq flushes 8 KiB at a time): the step is the send that
    /// completes the Query or carries the Sync, when the server can run it.
    func testMessagesCutAcrossSendsAreFollowed() {
        var s = PgFrontendStream()
        let boot = startup
        XCTAssertNil(s.feed(Array(boot[0..<3])))
        XCTAssertNil(s.feed(Array(boot[3...])))
        let q = message("Q", cString("SELECT count FROM t"))
        XCTAssertNil(s.feed(Array(q[0..<2])))
        XCTAssertNil(s.feed(Array(q[2..<9])))
        XCTAssertEqual(s.feed(Array(q[9...])), "SELECT count FROM t")
        let batch = message("P", cString("s1") + cString("SELECT 2") + [0, 0]) + message("E", [0, 0, 0, 0, 0])
        XCTAssertNil(s.feed(batch))
        XCTAssertEqual(s.feed(message("S", [])), "SELECT 2")
    }

    func testALengthOutOfRangeLosesTheStream() {
        var s = PgFrontendStream()
        _ = s.feed(startup)
        XCTAssertNil(s.feed([UInt8(ascii: "Q"), 0, 0, 0, 1]))
        XCTAssertTrue(s.lost)
    }

    func testTheServersSocketComesFromAConninfoWithAFolderAsHost() {
        XCTAssertEqual(SyscallNetwork.socketPath(conninfo: "host=/tmp/srv port=5433 user=postgres dbname=postgres"), "/tmp/srv/.s.PGSQL.5433")
        XCTAssertEqual(SyscallNetwork.socketPath(conninfo: "host=/run/pg dbname=x"), "/run/pg/.s.PGSQL.5432")
        XCTAssertNil(SyscallNetwork.socketPath(conninfo: "host=db.example port=5432"))
        XCTAssertNil(SyscallNetwork.socketPath(conninfo: "postgresql://u@localhost/db"))
    }

    private func diagnostics(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map {
            "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
        }
    }

    /// Per-buyer programs on postgres (and redis) are controlled statement by statement; a
    /// whole program on postgres is not yet, and says so where its control is.
    func testSyscallControlTakesPostgresPerBuyerOnly() {
        XCTAssertEqual(diagnostics("name: t\ntickets: 1\nstorage: {kind: redis}\nschedule: random\nbuyers: {count: 2, command: [sh, x.sh], control: syscalls}\n"), [])
        let base = "name: t\ntickets: 1\nstorage: {kind: postgres}\nschedule: random\n"
        XCTAssertEqual(diagnostics(base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\n"), [])
        let whole = diagnostics(base + "buyers: 2\nprogram: {command: [sh, x.sh], control: syscalls}\n").filter { $0.contains("program.control") }
        XCTAssertEqual(whole.count, 1, "\(whole)")
        XCTAssertTrue(whole.first?.hasPrefix("6:41: error: ") ?? false, "\(whole)")
        XCTAssertTrue(whole.first?.contains("postgres is controlled statement by statement under buyers.command, not yet under program.command") ?? false, "\(whole)")
    }
}

/// Redis commands as a client sends them: each completed command is part of a step.
final class SyscallRedisTests: XCTestCase {
    private func resp(_ words: String...) -> [UInt8] {
        Array(("*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()).utf8)
    }

    func testEachCommandIsAStepAndOnlyReadsCommute() {
        var s = RespStream()
        XCTAssertEqual(s.feed(resp("GET", "k"))?.text, "GET k")
        XCTAssertEqual(s.feed(resp("GET", "k"))?.readOnly, true)
        XCTAssertEqual(s.feed(resp("SET", "k", "0"))?.readOnly, false)
        XCTAssertEqual(s.feed(Array("PING\r\n".utf8))?.text, "PING")
        XCTAssertFalse(s.lost)
    }

    /// A command cut across sends: the step is the send that completes it; a pipeline's
    /// commands in one send are one step.
    func testCommandsAreFollowedAcrossSends() {
        var s = RespStream()
        let set = resp("SET", "key", "10")
        XCTAssertNil(s.feed(Array(set[0..<7])))
        XCTAssertNil(s.feed(Array(set[7..<(set.count - 1)])))
        XCTAssertEqual(s.feed([set.last!])?.text, "SET key 10")
        XCTAssertEqual(s.feed(resp("MULTI") + resp("DECR", "key") + resp("EXEC"))?.text, "MULTI; DECR key; EXEC")
    }

    func testABadArrayLosesTheStream() {
        var s = RespStream()
        XCTAssertNil(s.feed(Array("*x\r\n".utf8)))
        XCTAssertTrue(s.lost)
    }
}
