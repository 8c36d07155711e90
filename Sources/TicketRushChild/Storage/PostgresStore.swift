import CTicketRushEngines
import TicketRushModel

/// PostgreSQL through libpq: each buyer's own connection, opened after fork.
package final class PostgresDriver: SQLDriver {
    private let target: EngineTarget
    private var conn: UnsafeMutableRawPointer?
    package let dialect = SQLDialect.postgres

    package init(_ target: EngineTarget) { self.target = target }

    deinit { if let conn { tr_pg_close(conn) } }

    package func connect() -> EngineReply? {
        var message = [CChar](repeating: 0, count: 240)
        conn = tr_pg_connect(target.location, &message, Int32(message.count))
        if conn != nil { return nil }
        return EngineReply(status: .failed, code: EngineCode.sqlstate("08006"), message: String(cString: message))
    }

    package func execute(_ sql: String) -> EngineReply {
        var r = tr_db_result()
        guard let conn else { return EngineReply(status: .failed, code: EngineCode.sqlstate("08003"), message: "not connected") }
        tr_pg_exec(conn, sql, &r)
        return EngineReply(r, kind: .postgres)
    }

    /// The runner's side: runs `statements` on a short-lived connection (before a fork or
    /// after reaping; never kept across a fork). Returns the last reply, or the first failure.
    package static func run(_ conninfo: String, _ statements: [String]) -> EngineReply {
        let driver = PostgresDriver(EngineTarget(kind: .postgres, location: conninfo))
        if let failed = driver.connect() { return failed }
        var last = EngineReply(status: .ok)
        for s in statements {
            last = driver.execute(s)
            if last.status != .ok { return last }
        }
        return last
    }
}
