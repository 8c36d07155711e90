import TicketRushModel

extension StorageKind {
    public static let sqlite = StorageKind(rawValue: "sqlite")
}

extension EngineDescriptor {
    /// SQLite: a database file in the trial folder, one writer at a time; the store is
    /// `SQLiteBackend` (SQLiteStore.swift).
    public static let sqlite = EngineDescriptor(
        name: StorageKind.sqlite.rawValue,
        summary: "a SQLite database file (system libsqlite3), one row",
        modes: [
            .none: "autocommit SELECT, then UPDATE t SET count = :new",
            .optimistic: "UPDATE … SET count = :new, version = version + 1 WHERE version = :seen; no row changed → retry (conflict)",
            .transaction: "BEGIN DEFERRED; SELECT; UPDATE; COMMIT; SQLITE_BUSY → ROLLBACK, retry",
            .rowLock: "BEGIN IMMEDIATE (the write lock before the read); SELECT; UPDATE; COMMIT",
            .atomic: "UPDATE … SET count = count - 1 WHERE count > 0 RETURNING count",
        ],
        client: ClientLibrary(name: "libsqlite3", sonames: ["libsqlite3.so.0"], environment: "TICKETRUSH_SQLITE", package: "libsqlite3-dev"),
        keys: ["journal", "busy_timeout"],
        defaultPath: "tickets.db",
        errorCodes: .resultCode,
        // SQLITE_BUSY (also BUSY_SNAPSHOT in WAL) and SQLITE_LOCKED: roll back, retry.
        retryCodes: ["5": .busy, "6": .busy])
}
