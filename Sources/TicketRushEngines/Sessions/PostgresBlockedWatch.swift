#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushModel

/// The runner's own connection to a PostgreSQL server, asking which program buyers wait on
/// another (`control: syscalls` on postgres, docs/programs.md): a buyer's backends are named
/// by the application_name the runner gave it (PGAPPNAME), and one is blocked when the server
/// says so (`pg_isolation_test_session_is_blocked`, as PostgreSQL's isolation tester asks).
package final class PostgresBlockedWatch {
    private let conn: UnsafeMutableRawPointer

    package init(conninfo: String) throws(PostgresSessions.Failure) {
        if let problem = EngineRegistry.clientProblem(.postgres) { throw PostgresSessions.Failure(description: problem) }
        var bound = tr_db_bound(deadline_ns: MonotonicClock.now() + PostgresSessions.answerWithinNs, interrupted: tr_interrupted, stop_on_signal: 0)
        var out = tr_db_result()
        guard let c = tr_pg_connect_bounded(conninfo, &bound, &out) else {
            if out.status == TR_DB_INTERRUPTED { throw PostgresSessions.Failure(description: "interrupted") }
            throw PostgresSessions.Failure(description: "postgres: \(PostgresSessions.message(out))")
        }
        conn = c
    }

    deinit { tr_pg_close(conn) }

    /// The application names, each starting with `prefix`, of the backends waiting for another
    /// backend whose name starts with `prefix` (a lock, a safe snapshot).
    package func blocked(prefix: String) throws(PostgresSessions.Failure) -> Set<String> {
        // The prefix is the runner's own (digits, letters, dashes): no quote can be in it.
        func named(_ t: String) -> String { "left(\(t).application_name, \(prefix.utf8.count)) = '\(prefix)'" }
        let sql = "SELECT a.application_name FROM pg_catalog.pg_stat_activity a WHERE \(named("a"))"
            + " AND pg_catalog.pg_isolation_test_session_is_blocked(a.pid, ARRAY(SELECT b.pid FROM pg_catalog.pg_stat_activity b WHERE \(named("b")) AND b.pid <> a.pid))"
        return Set(try PostgresSessions.exec(conn, sql).rows)
    }
}
