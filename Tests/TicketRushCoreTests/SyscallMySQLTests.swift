import Foundation
import XCTest
import TicketRushFormat
@testable import TicketRushRunner

/// `control: syscalls` on MariaDB (docs/programs.md, "Network stores under syscalls"): which
/// packets a client sends are steps, the server's socket from its URL, and the format's rule.
final class SyscallMySQLTests: XCTestCase {
    /// One packet: 3-byte little-endian payload length, sequence id, payload.
    private func packet(_ sequence: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n & 255), UInt8(n >> 8 & 255), UInt8(n >> 16 & 255), sequence] + payload
    }

    private func query(_ sql: String) -> [UInt8] { packet(0, [0x03] + Array(sql.utf8)) }

    /// The handshake response and auth packets (sequence > 0), session SETs before the first
    /// statement, COM_STMT_PREPARE, COM_PING and COM_QUIT run at once; COM_QUERY and
    /// COM_STMT_EXECUTE are steps, and a SET once a statement ran is one too.
    func testQueriesAndExecutesAreStepsTheHandshakeAndSetupAreNot() {
        var s = MySQLStream()
        XCTAssertNil(s.feed(packet(1, [0x8d, 0xa6, 0x0f, 0x00] + Array(repeating: 0, count: 28) + Array("root\0".utf8))))
        XCTAssertNil(s.feed(packet(3, Array("secret".utf8))))
        XCTAssertNil(s.feed(query("SET AUTOCOMMIT = 0")))
        XCTAssertNil(s.feed(query("set session transaction isolation level serializable")))
        XCTAssertEqual(s.feed(query("SELECT count FROM t WHERE id = 1")), "SELECT count FROM t WHERE id = 1")
        XCTAssertNil(s.feed(packet(0, [0x16] + Array("UPDATE t SET count = ?".utf8))))
        XCTAssertEqual(s.feed(packet(0, [0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0])), "(a prepared statement)")
        XCTAssertEqual(s.feed(query("SET AUTOCOMMIT = 1")), "SET AUTOCOMMIT = 1")
        XCTAssertNil(s.feed(packet(0, [0x0e])))
        XCTAssertNil(s.feed(packet(0, [0x01])))
    }

    /// A packet cut across sends: the step is the send that completes it; two in one send are one step.
    func testPacketsAreFollowedAcrossSends() {
        var s = MySQLStream()
        let update = query("UPDATE t SET count = 0 WHERE id = 1")
        XCTAssertNil(s.feed(Array(update[0..<2])))
        XCTAssertNil(s.feed(Array(update[2..<9])))
        XCTAssertEqual(s.feed(Array(update[9...])), "UPDATE t SET count = 0 WHERE id = 1")
        XCTAssertEqual(s.feed(query("SELECT 1") + query("COMMIT")), "SELECT 1; COMMIT")
    }

    /// The socket comes from the URL's `?socket=`; a TCP address names none.
    func testTheServersSocketIsTheURLs() {
        XCTAssertEqual(SyscallNetwork(conninfo: "mariadb://root@localhost/db?socket=/tmp/x/mariadb.sock", trial: 0, mysql: true)?.socketPath, "/tmp/x/mariadb.sock")
        XCTAssertNil(SyscallNetwork(conninfo: "mariadb://root@db.example:3306/db", trial: 0, mysql: true))
    }

    private func diagnostics(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map {
            "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
        }
    }

    /// Per-buyer programs on mariadb are controlled statement by statement; a whole program is not yet.
    func testSyscallControlTakesMariaDBPerBuyerOnly() {
        let base = "name: t\ntickets: 1\nstorage: {kind: mariadb}\nschedule: random\n"
        XCTAssertEqual(diagnostics(base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\n"), [])
        let whole = diagnostics(base + "buyers: 2\nprogram: {command: [sh, x.sh], control: syscalls}\n").filter { $0.contains("program.control") }
        XCTAssertEqual(whole.count, 1, "\(whole)")
        XCTAssertTrue(whole.first?.contains("mariadb is controlled statement by statement under buyers.command, not yet under program.command") ?? false, "\(whole)")
    }
}
