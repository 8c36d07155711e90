import TicketRushModel

extension StorageKind {
    public static let postgres = StorageKind(rawValue: "postgres")
}

extension EngineDescriptor {
    /// PostgreSQL: a fresh table per trial on a private (or given) server; the store is
    /// `PostgresBackend` (PostgresStore.swift), the server `PostgresServer` (PostgresServer.swift).
    public static let postgres = EngineDescriptor(
        name: StorageKind.postgres.rawValue,
        summary: "a PostgreSQL table with one row, over libpq (a private server unless url is given)",
        modes: [
            .none: "autocommit SELECT, then UPDATE t SET count = :new",
            .optimistic: "UPDATE … SET count = :new, version = version + 1 WHERE version = :seen; no row changed → retry (conflict)",
            .transaction: "BEGIN ISOLATION LEVEL <storage.isolation>; SELECT; UPDATE; COMMIT; SQLSTATE 40001/40P01 → ROLLBACK, retry",
            .rowLock: "BEGIN; SELECT … FOR UPDATE; UPDATE; COMMIT",
            .atomic: "UPDATE … SET count = count - 1 WHERE count > 0 RETURNING count",
            .advisory: "BEGIN; SELECT pg_advisory_xact_lock(1); SELECT; UPDATE; COMMIT",
        ],
        client: ClientLibrary(name: "libpq", sonames: ["libpq.so.5"], environment: "TICKETRUSH_LIBPQ", package: "libpq-dev"),
        server: ServerSpec(package: "postgresql", binaries: ["initdb", "postgres"], urlSchemes: ["postgres://", "postgresql://"], urlNeedsHost: false),
        keys: ["url", "isolation"],
        errorCodes: .sqlstate,
        retryCodes: ["40001": .serializationFailure, "40P01": .deadlockDetected])
}
