import TicketRushModel

/// MariaDB's workload tables (docs/workloads.md): made, read and connected to like the counter's table.
extension MariaDBBackend {
    package static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        let sql = SQLWorkloadStatements(dialect: .mariadb, mode: .none, table: target.name, workload: workload)
        let r = try MariaDBDriver.run(target, sql.create())
        return r.status == .ok ? nil : "\(EngineCode.text(r.code)): \(r.message)"
    }

    package static func readWorkload(_ target: EngineTarget, _ workload: Workload) throws(EngineUnanswered) -> WorkloadState? {
        let sql = SQLWorkloadStatements(dialect: .mariadb, mode: .none, table: target.name, workload: workload)
        var found: [(Int, Int)] = []
        var done = false
        let last = try MariaDBDriver.session(target) { reply in
            if let reply {
                guard let row = reply.row else { done = true; return nil }
                found.append(row)
            }
            return sql.next(after: found.last?.0 ?? 0)
        }
        return last.status == .ok && done ? sql.state(found) : nil
    }

    package static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        SQLWorkloadStore(driver: MariaDBDriver(target), target: target, mode: mode, buyer: buyer, workload: workload)
    }
}
