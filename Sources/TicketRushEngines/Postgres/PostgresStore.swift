#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// PostgreSQL through libpq: each buyer's own connection, opened after fork.
package final class PostgresDriver: SQLDriver {
    private let target: EngineTarget
    private var conn: UnsafeMutableRawPointer?
    /// The runner's calls: every call on this connection ends by this (nil: a buyer's, unbounded).
    package var bound: tr_db_bound?
    package static let serverName = "PostgreSQL"
    package let dialect = SQLDialect.postgres

    package init(_ target: EngineTarget) { self.target = target }

    deinit { if let conn { tr_pg_close(conn) } }

    package func connect() -> EngineReply? {
        if var bound {
            var r = tr_db_result()
            conn = tr_pg_connect_bounded(target.location, &bound, &r)
            return conn == nil ? EngineReply(r, kind: .postgres) : nil
        }
        var message = [CChar](repeating: 0, count: 240)
        conn = tr_pg_connect(target.location, &message, Int32(message.count))
        if conn != nil { return nil }
        return EngineReply(status: .failed, code: EngineCode.sqlstate("08006"), message: cMessage(message))
    }

    package func execute(_ sql: String) -> EngineReply {
        var r = tr_db_result()
        guard let conn else { return EngineReply(status: .failed, code: EngineCode.sqlstate("08003"), message: "not connected") }
        if var bound { tr_pg_exec_bounded(conn, sql, &bound, &r) } else { tr_pg_exec(conn, sql, &r) }
        return EngineReply(r, kind: .postgres)
    }
}

/// PostgreSQL's backend (descriptor: `EngineDescriptor.postgres`): a fresh table per trial.
package enum PostgresBackend: ServerSQLBackend {
    package typealias Driver = PostgresDriver

    package static func load(_ library: String?) -> String? { loaded { tr_pg_load(library, $0, $1) } }

    /// Tables are `ticketrush_MACHINE_PID_START_SERIAL` (EngineTrial): each distinct maker
    /// of this machine is read as two integers, and its tables dropped when it is gone.
    package static func sweep(_ target: EngineTarget, machine: String, isGone: (Int32, UInt64) -> Bool) {
        guard machine.allSatisfy({ $0.isHexDigit }) else { return }
        let ours = "schemaname = current_schema() AND tablename ~ '^ticketrush_\(machine)_[0-9]+_[0-9]+_[0-9]+$'"
        var offset = 0
        while offset < 10_000 {
            // A server that does not answer ends the sweep (the trial's own calls then say so).
            guard let r = try? PostgresDriver.run(target, [
                "SELECT DISTINCT split_part(tablename, '_', 3)::bigint, split_part(tablename, '_', 4)::bigint FROM pg_tables WHERE \(ours) ORDER BY 1, 2 OFFSET \(offset) LIMIT 1",
            ]) else { return }
            guard r.status == .ok, let (pid, start) = r.row, let p = Int32(exactly: pid), let s = UInt64(exactly: start) else { return }
            guard isGone(p, s) else { offset += 1; continue }
            let mine = "ticketrush\\_\(machine)\\_\(pid)\\_\(start)\\_%"
            guard let dropped = try? PostgresDriver.run(target, [
                "DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '\(mine)' "
                    + "LOOP EXECUTE format('DROP TABLE IF EXISTS %I', t); END LOOP; END $$",
            ]) else { return }
            if dropped.status != .ok { offset += 1 }  // not ours to drop (another role's): leave it
        }
    }
}
