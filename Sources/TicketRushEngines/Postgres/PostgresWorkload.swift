import TicketRushModel

/// PostgreSQL's workload tables (docs/workloads.md): ServerWorkloadTables in its dialect.
extension PostgresBackend {
    package static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        try ServerWorkloadTables<PostgresDriver>.create(target, workload, dialect: .postgres)
    }

    package static func readWorkload(_ target: EngineTarget, _ workload: Workload) throws(EngineUnanswered) -> WorkloadState? {
        try ServerWorkloadTables<PostgresDriver>.read(target, workload, dialect: .postgres)
    }

    package static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        ServerWorkloadTables<PostgresDriver>.connect(target, mode: mode, buyer: buyer, workload: workload)
    }
}

extension PostgresDriver: ServerSQLDriver {}
