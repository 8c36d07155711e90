import CTicketRushEngines
import TicketRushModel

/// SQLite through the system libsqlite3: the database file in the trial folder, opened by
/// each buyer after fork with its busy timeout.
package final class SQLiteDriver: SQLDriver {
    private let target: EngineTarget
    private var db: UnsafeMutableRawPointer?
    package let dialect = SQLDialect.sqlite

    package init(_ target: EngineTarget) { self.target = target }

    deinit { if let db { tr_sqlite_close(db) } }

    package func connect() -> EngineReply? {
        var message = [CChar](repeating: 0, count: 240)
        db = tr_sqlite_open(target.location, 0, Int32(clamping: target.busyTimeoutMs), &message, Int32(message.count))
        if db != nil { return nil }
        return EngineReply(status: .failed, code: 14, message: cMessage(message))
    }

    package func execute(_ sql: String) -> EngineReply {
        var r = tr_db_result()
        guard let db else { return EngineReply(status: .failed, code: 21, message: "not connected") }
        tr_sqlite_exec(db, sql, &r)
        return EngineReply(r, kind: .sqlite)
    }

    /// The runner's side: a fresh database with one row, in `journal` mode (before the first fork).
    package static func create(path: String, tickets: Int, journal: SQLiteJournal) -> String? {
        var message = [CChar](repeating: 0, count: 240)
        guard let db = tr_sqlite_open(path, 1, 5000, &message, Int32(message.count)) else { return cMessage(message) }
        defer { tr_sqlite_close(db) }
        for statement in ["PRAGMA journal_mode = \(journal == .wal ? "WAL" : "DELETE")"] + SQLStatements.create("tickets", tickets: tickets) {
            var r = tr_db_result()
            tr_sqlite_exec(db, statement, &r)
            let reply = EngineReply(r, kind: .sqlite)
            if reply.status != .ok { return "\(statement): \(reply.message)" }
        }
        return nil
    }

    /// The runner's side after reaping: the final count.
    package static func finalCount(path: String) -> StoreRead {
        var message = [CChar](repeating: 0, count: 240)
        guard let db = tr_sqlite_open(path, 0, 5000, &message, Int32(message.count)) else { return .failed(errno: EIO_CODE) }
        defer { tr_sqlite_close(db) }
        var r = tr_db_result()
        tr_sqlite_exec(db, "SELECT count FROM tickets WHERE id = 1", &r)
        return r.status == 0 && r.has_row != 0 ? .count(Int(r.v0)) : .failed(errno: EIO_CODE)
    }
}

/// SQLite's backend (descriptor: `EngineDescriptor.sqlite`): the database file in the trial folder.
package enum SQLiteBackend: EngineBackend {
    package static func load(_ library: String?) -> String? { loaded { tr_sqlite_load(library, $0, $1) } }

    package static func create(_ target: EngineTarget, tickets: Int, storage: StorageConfig) -> String? {
        SQLiteDriver.create(path: target.location, tickets: tickets, journal: storage.journal)
    }

    package static func finalRead(_ target: EngineTarget) -> StoreRead { SQLiteDriver.finalCount(path: target.location) }

    package static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int) -> any TicketStore & BuyerLock {
        SQLStore(driver: SQLiteDriver(target), target: target, mode: mode, buyer: buyer)
    }
}
