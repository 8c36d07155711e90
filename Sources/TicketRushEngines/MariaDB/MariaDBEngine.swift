import TicketRushModel

extension StorageKind {
    public static let mariadb = StorageKind(rawValue: "mariadb")
}

extension EngineDescriptor {
    /// MariaDB: a fresh InnoDB table per trial on a private (or given) server; the store is
    /// `MariaDBBackend` (MariaDBStore.swift), the server `MariaDBServer` (MariaDBServer.swift).
    public static let mariadb = EngineDescriptor(
        name: StorageKind.mariadb.rawValue,
        summary: "a MariaDB (InnoDB) table with one row, over libmariadb loaded at run time (a private server unless url is given)",
        modes: [
            .none: "autocommit SELECT, then UPDATE t SET count = :new",
            .optimistic: "UPDATE … SET count = :new, version = :tag WHERE version = :seen; no row matched → retry (conflict)",
            .transaction: "SET TRANSACTION ISOLATION LEVEL <storage.isolation>; START TRANSACTION; SELECT; UPDATE; COMMIT; error 1213/1205 → ROLLBACK, retry",
            .rowLock: "START TRANSACTION; SELECT … FOR UPDATE; UPDATE; COMMIT",
            .atomic: "UPDATE … SET count = (@tr_count := count - 1) WHERE count > 0; SELECT @tr_count (no row matched: sold out)",
            .advisory: "SELECT GET_LOCK('<table>', 3600); START TRANSACTION; SELECT; UPDATE; COMMIT; DO RELEASE_LOCK('<table>')",
        ],
        client: ClientLibrary(name: "libmariadb", sonames: ["libmariadb.so.3"], environment: "TICKETRUSH_LIBMARIADB", package: "libmariadb-dev"),
        server: ServerSpec(package: "mariadb-server", binaries: ["mariadb-install-db", "mariadbd"], urlSchemes: ["mariadb://", "mysql://"], urlNeedsHost: false),
        keys: ["url", "isolation"],
        errorCodes: .errorNumber,
        retryCodes: ["1213": .deadlockDetected, "1205": .lockWaitTimeout])
}
