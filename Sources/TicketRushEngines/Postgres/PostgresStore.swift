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
    private var bound: tr_db_bound?
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
        return EngineReply(status: .failed, code: EngineCode.sqlstate("08006"), message: String(cString: message))
    }

    package func execute(_ sql: String) -> EngineReply {
        var r = tr_db_result()
        guard let conn else { return EngineReply(status: .failed, code: EngineCode.sqlstate("08003"), message: "not connected") }
        if var bound { tr_pg_exec_bounded(conn, sql, &bound, &r) } else { tr_pg_exec(conn, sql, &r) }
        return EngineReply(r, kind: .postgres)
    }

    /// The runner's side: runs `statements` on a short-lived connection (before a fork or
    /// after reaping; never kept across a fork), all within `target.answerWithinNs`. Returns
    /// the last reply, or the first failure; throws when the server did not answer in time.
    package static func run(_ target: EngineTarget, _ statements: [String]) throws(EngineUnanswered) -> EngineReply {
        let driver = PostgresDriver(target)
        driver.bound = target.bound
        var last = driver.connect() ?? EngineReply(status: .ok)
        for s in statements where last.status == .ok { last = driver.execute(s) }
        if last.unanswered != 0 {
            throw target.unanswered(last.unanswered, server: "PostgreSQL", at: redactedURL(target.location))
        }
        return last
    }
}

/// PostgreSQL's backend (descriptor: `EngineDescriptor.postgres`): a fresh table per trial.
package enum PostgresBackend: EngineBackend {
    package static func load(_ library: String?) -> String? { loaded { tr_pg_load(library, $0, $1) } }

    package static func storeName(tag: String, serial: Int) -> String { "ticketrush_\(tag)_\(serial)" }

    package static func create(_ target: EngineTarget, tickets: Int, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        let r = try PostgresDriver.run(target, SQLStatements.create(target.name, tickets: tickets))
        return r.status == .ok ? nil : "\(EngineCode.text(r.code)): \(r.message)"
    }

    package static func finalRead(_ target: EngineTarget) throws(EngineUnanswered) -> StoreRead {
        let r = try PostgresDriver.run(target, ["SELECT count, version FROM \(target.name) WHERE id = 1"])
        return r.status == .ok ? r.row.map { .count($0.0) } ?? .failed(errno: ENOENT) : .failed(errno: EIO_CODE)
    }

    package static func drop(_ target: EngineTarget) throws(EngineUnanswered) {
        _ = try PostgresDriver.run(target, ["DROP TABLE IF EXISTS \(target.name)"])
    }

    package static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int) -> any TicketStore & BuyerLock {
        SQLStore(driver: PostgresDriver(target), target: target, mode: mode, buyer: buyer)
    }
}
