import CTicketRushEngines
import TicketRushModel

/// SQLite's workload tables (docs/workloads.md), in the trial's database file.
extension SQLiteBackend {
    package static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) -> String? {
        let sql = SQLWorkloadStatements(dialect: .sqlite, mode: .none, table: target.name, workload: workload)
        return withDatabase(target.location, create: true) { db in
            for statement in ["PRAGMA journal_mode = \(storage.journal == .wal ? "WAL" : "DELETE")"] + sql.create() {
                let reply = exec(db, statement)
                if reply.status != .ok { return "\(statement): \(reply.message)" }
            }
            return nil
        } ?? "cannot open \(target.location)"
    }

    package static func readWorkload(_ target: EngineTarget, _ workload: Workload) -> WorkloadState? {
        let sql = SQLWorkloadStatements(dialect: .sqlite, mode: .none, table: target.name, workload: workload)
        return withDatabase(target.location, create: false) { db -> WorkloadState? in
            var found: [(Int, Int)] = []
            while true {
                let reply = exec(db, sql.next(after: found.last?.0 ?? 0))
                guard reply.status == .ok else { return nil }
                guard let row = reply.row else { return sql.state(found) }
                found.append(row)
            }
        } ?? nil
    }

    package static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        SQLWorkloadStore(driver: SQLiteDriver(target), target: target, mode: mode, buyer: buyer, workload: workload)
    }

    /// The runner's own connection (before the first fork, after reaping); nil when it cannot open.
    private static func withDatabase<T>(_ path: String, create: Bool, _ body: (UnsafeMutableRawPointer) -> T) -> T? {
        var message = [CChar](repeating: 0, count: 240)
        guard let db = tr_sqlite_open(path, create ? 1 : 0, 5000, &message, Int32(message.count)) else { return nil }
        defer { tr_sqlite_close(db) }
        return body(db)
    }

    private static func exec(_ db: UnsafeMutableRawPointer, _ statement: String) -> EngineReply {
        var r = tr_db_result()
        tr_sqlite_exec(db, statement, &r)
        return EngineReply(r, kind: .sqlite)
    }
}
