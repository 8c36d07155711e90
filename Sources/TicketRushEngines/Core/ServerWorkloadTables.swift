import TicketRushModel

/// A server engine's workload tables (docs/workloads.md), made, read and connected to like
/// the counter's table: one body for PostgreSQL and MariaDB, which differ only in dialect.
package enum ServerWorkloadTables<Driver: ServerSQLDriver> {
    package static func create(_ target: EngineTarget, _ workload: Workload, dialect: SQLDialect) throws(EngineUnanswered) -> String? {
        let sql = SQLWorkloadStatements(dialect: dialect, mode: .none, table: target.name, workload: workload)
        let r = try Driver.run(target, sql.create())
        return r.status == .ok ? nil : "\(EngineCode.text(r.code)): \(r.message)"
    }

    package static func read(_ target: EngineTarget, _ workload: Workload, dialect: SQLDialect) throws(EngineUnanswered) -> WorkloadState? {
        let sql = SQLWorkloadStatements(dialect: dialect, mode: .none, table: target.name, workload: workload)
        var found: [(Int, Int)] = []
        var done = false
        let last = try Driver.session(target) { reply in
            if let reply {
                guard let row = reply.row else { done = true; return nil }
                found.append(row)
            }
            return sql.next(after: found.last?.0 ?? 0)
        }
        return last.status == .ok && done ? sql.state(found) : nil
    }

    package static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        SQLWorkloadStore(driver: Driver(target), target: target, mode: mode, buyer: buyer, workload: workload)
    }
}
