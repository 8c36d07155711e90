#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// The runner's own connection to a MariaDB server, asking which program buyers wait on a
/// lock (`control: syscalls` on mariadb, docs/programs.md). A buyer's connections are found
/// by the client's process id, which PyMySQL and Connector/C send as the connection
/// attribute `_pid` (performance_schema.session_connect_attrs: the server must run with
/// performance_schema on, as the private server does); a connection is blocked when SHOW
/// ENGINE INNODB STATUS lists its thread in LOCK WAIT (MariaDBSessions.waiting).
package final class MariaDBBlockedWatch {
    private let conn: UnsafeMutableRawPointer

    package init(url: String) throws(SessionFailure) {
        if let problem = EngineRegistry.clientProblem(.mariadb) { throw SessionFailure(description: problem) }
        try MariaDBSessions.loadSessionCalls()
        conn = try MariaDBSessions.connect(MariaDBAddress(url: url))
        let on = try? MariaDBSessions.exec(conn, "SELECT @@performance_schema").rows.first
        guard on == "1" else {
            tr_maria_close(conn)
            throw SessionFailure(description: "mariadb: the server runs without performance_schema, so the runner cannot tell which connection is whose (start it with --performance-schema=ON, or use the private server)")
        }
    }

    deinit { tr_maria_close(conn) }

    /// Of the client processes `pids`, those with a connection whose transaction waits for a lock.
    package func blocked(pids: Set<Int32>) throws(SessionFailure) -> Set<Int32> {
        guard !pids.isEmpty else { return [] }
        let list = pids.sorted().map { "'\($0)'" }.joined(separator: ",")
        let rows = try MariaDBSessions.exec(conn, "SELECT PROCESSLIST_ID, ATTR_VALUE FROM performance_schema.session_connect_attrs WHERE ATTR_NAME = '_pid' AND ATTR_VALUE IN (\(list))").rows
        let status = try MariaDBSessions.exec(conn, "SHOW ENGINE INNODB STATUS").rows.joined(separator: "\n")
        let waiting = MariaDBSessions.waiting(status)
        var out = Set<Int32>()
        for row in rows {
            let cols = row.split(separator: "|").map(String.init)
            if cols.count == 2, let id = UInt(cols[0]), let pid = Int32(cols[1]), waiting.contains(id) { out.insert(pid) }
        }
        return out
    }
}
