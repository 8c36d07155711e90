import TicketRushModel

/// MariaDB's workload tables (docs/workloads.md): ServerWorkloadTables in its dialect.
extension MariaDBBackend {
    package static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        try ServerWorkloadTables<MariaDBDriver>.create(target, workload, dialect: .mariadb)
    }

    package static func readWorkload(_ target: EngineTarget, _ workload: Workload) throws(EngineUnanswered) -> WorkloadState? {
        try ServerWorkloadTables<MariaDBDriver>.read(target, workload, dialect: .mariadb)
    }

    package static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        ServerWorkloadTables<MariaDBDriver>.connect(target, mode: mode, buyer: buyer, workload: workload)
    }
}

extension MariaDBDriver: ServerSQLDriver {}
