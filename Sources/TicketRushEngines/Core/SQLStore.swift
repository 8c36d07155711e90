import TicketRushModel

/// One SQL engine's client: one statement per call.
package protocol SQLDriver: AnyObject {
    var dialect: SQLDialect { get }
    /// Connects; nil or the engine's error.
    func connect() -> EngineReply?
    func execute(_ sql: String) -> EngineReply
}

/// Where SQLite's, PostgreSQL's and MariaDB's statements differ.
package enum SQLDialect: Sendable {
    case sqlite
    case postgres
    case mariadb
}

/// The statements of each lock mode (docs/storage.md), as pure functions: the table holds
/// one row `id = 1` with `count` and `version`.
package struct SQLStatements: Sendable {
    package var dialect: SQLDialect
    package var mode: LockMode
    package var table: String
    package var isolation: Isolation = .readCommitted
    /// advisory: the lock's key.
    package var advisoryKey: Int = 1

    package init(dialect: SQLDialect, mode: LockMode, table: String, isolation: Isolation = .readCommitted, advisoryKey: Int = 1) {
        self.dialect = dialect
        self.mode = mode
        self.table = table
        self.isolation = isolation
        self.advisoryKey = advisoryKey
    }

    /// What begins the transaction where the lock's scope begins (empty: autocommit).
    package var begin: [String] {
        switch (mode, dialect) {
        case (.transaction, .sqlite): return ["BEGIN DEFERRED"]
        case (.rowLock, .sqlite): return ["BEGIN IMMEDIATE"]
        case (.transaction, .postgres), (.rowLock, .postgres): return ["BEGIN ISOLATION LEVEL \(isolation.sql)"]
        case (.advisory, .postgres): return ["BEGIN ISOLATION LEVEL \(isolation.sql)", "SELECT pg_advisory_xact_lock(\(advisoryKey))"]
        // SET TRANSACTION (no SESSION) sets the level of the next transaction only.
        case (.transaction, .mariadb), (.rowLock, .mariadb): return ["SET TRANSACTION ISOLATION LEVEL \(isolation.sql)", "START TRANSACTION"]
        case (.advisory, .mariadb): return [lockStatement!, "SET TRANSACTION ISOLATION LEVEL \(isolation.sql)", "START TRANSACTION"]
        default: return []
        }
    }

    /// mariadb advisory: the session's named lock (GET_LOCK answers 1 when it holds it;
    /// it outlives COMMIT, so `unlock` releases it). Named after the trial's table.
    package var lockStatement: String? { mode == .advisory && dialect == .mariadb ? "SELECT GET_LOCK('\(table)', 3600)" : nil }
    package var unlock: String? { lockStatement == nil ? nil : "DO RELEASE_LOCK('\(table)')" }

    /// mariadb atomic: UPDATE has no RETURNING there; the count the write left, read after it on the same connection.
    package var atomicResult: String? { mode == .atomic && dialect == .mariadb ? "SELECT @tr_count, 0" : nil }

    /// The read; inside a postgres or mariadb row-lock transaction it locks the row.
    package func read(inTransaction: Bool) -> String {
        let lock = mode == .rowLock && dialect != .sqlite && inTransaction ? " FOR UPDATE" : ""
        return "SELECT count, version FROM \(table) WHERE id = 1\(lock)"
    }

    /// The write of `count`; optimistic checks `expected` (nil: no check, as with scope write).
    /// `tag` (> 0) is the version tag the write installs (docs/events.md).
    package func write(count: Int, expected: Int?, tag: Int = 0) -> String {
        switch mode {
        case .atomic where dialect == .mariadb:
            return "UPDATE \(table) SET count = (@tr_count := count - 1), version = version + 1 WHERE id = 1 AND count > 0"
        case .atomic:
            return "UPDATE \(table) SET count = count - 1, version = version + 1 WHERE id = 1 AND count > 0 RETURNING count"
        case .optimistic:
            let check = expected.map { " AND version = \($0)" } ?? ""
            let version = tag > 0 ? "\(tag)" : "version + 1"
            return "UPDATE \(table) SET count = \(count), version = \(version) WHERE id = 1\(check)"
        default:
            return "UPDATE \(table) SET count = \(count)\(tag > 0 ? ", version = \(tag)" : "") WHERE id = 1"
        }
    }

    package let commit = "COMMIT"
    package let rollback = "ROLLBACK"

    /// The runner's statements before the first fork: a fresh table with one row.
    package static func create(_ table: String, tickets: Int) -> [String] {
        ["DROP TABLE IF EXISTS \(table)",
         "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, count INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0)",
         "INSERT INTO \(table) (id, count, version) VALUES (1, \(tickets), 0)"]
    }
}

/// A SQL database as a buyer's store and lock: the lock's acquire begins the transaction,
/// the read is a SELECT, the commit writes and commits; busy, serialization failures and
/// deadlocks roll back and ask the buyer to retry.
package final class SQLStore: TicketStore, BuyerLock {
    private let driver: any SQLDriver
    private let target: EngineTarget
    private let sql: SQLStatements
    private let buyer: Int
    private var connectError: EngineReply?
    private var inTransaction = false
    /// mariadb advisory: GET_LOCK's lock is the session's, held until `release`.
    private var holdsNamedLock = false
    package private(set) var version = 0
    package private(set) var engineError: Int64?
    package var installTag = 0
    /// The atomic decrement reads no version it could report; every other mode reads one.
    package var tracksVersions: Bool { sql.mode != .atomic }

    init(driver: any SQLDriver, target: EngineTarget, mode: LockMode, buyer: Int) {
        self.driver = driver
        self.target = target
        self.buyer = buyer
        sql = SQLStatements(dialect: driver.dialect, mode: mode, table: target.name, isolation: target.isolation)
        connectError = driver.connect()
        // With its code, as a statement's error is: a client's own text ("Lost connection…") names no number.
        if let e = connectError { EngineStore.log(target, buyer: buyer, "\(EngineCode.text(e.code)): \(e.message)") }
    }

    // MARK: BuyerLock

    package func open() -> Int32 { 0 }

    package func acquire() -> Int32 {
        guard connectError == nil else { return EIO_CODE }
        guard !sql.begin.isEmpty, !inTransaction else { return 0 }
        while true {
            var failed: EngineReply?
            for statement in sql.begin {
                var r = driver.execute(statement)
                if statement == sql.lockStatement {
                    if r.status == .ok, r.row?.0 != 1 {
                        r = EngineReply(status: .failed, code: EngineCode.mariadb(3058), message: "GET_LOCK('\(target.name)') did not take the lock")
                    }
                    if r.status == .ok { holdsNamedLock = true }
                }
                if r.status != .ok { failed = r; break }
            }
            guard let failed else { inTransaction = true; return 0 }
            inTransaction = true
            _ = release()
            // BEGIN IMMEDIATE waited busy_timeout: wait again (the trial's timeout bounds it).
            if case .retry = failed.status { continue }
            fail(failed)
            return EIO_CODE
        }
    }

    package func release() -> Int32 {
        if inTransaction {
            _ = driver.execute(sql.rollback)
            inTransaction = false
        }
        if holdsNamedLock, let unlock = sql.unlock {
            _ = driver.execute(unlock)
            holdsNamedLock = false
        }
        return 0
    }

    package func commit(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        report(.purchaseWrite)
        let w = driver.execute(sql.write(count: count, expected: expected, tag: installTag))
        if let result = giveUp(w) { return result }
        if sql.mode == .optimistic, expected != nil, w.changes == 0 { return end(.retry(.conflict)) }
        // Before COMMIT: a row lock still orders the writes, so the reports come in install order.
        if sql.mode != .atomic { report(.keyWrite) }
        var result = CommitResult.written(0)
        if sql.mode == .atomic {
            var row = w.row
            if row == nil, w.changes > 0, let follow = sql.atomicResult {
                let r = driver.execute(follow)
                if let failed = giveUp(r) { return failed }
                row = r.row
            }
            guard let row else { return end(.soldOut) }
            result = .decremented(to: row.0)
        }
        if inTransaction {
            let c = driver.execute(sql.commit)
            if let failed = giveUp(c) { return failed }
            inTransaction = false
        }
        return result
    }

    /// Ends an open transaction (rolling back) and returns `result`.
    private func end(_ result: CommitResult) -> CommitResult {
        _ = release()
        return result
    }

    /// The result for a failed statement, or nil when it went through.
    private func giveUp(_ r: EngineReply) -> CommitResult? {
        switch r.status {
        case .ok: return nil
        case .retry(let reason): return end(.retry(reason))
        case .failed:
            fail(r)
            return end(.failed(engineCode: r.code))
        }
    }

    private func fail(_ r: EngineReply) {
        engineError = r.code
        EngineStore.log(target, buyer: buyer, "\(EngineCode.text(r.code)): \(r.message)")
    }

    // MARK: TicketStore

    package func read() -> StoreRead {
        if let e = connectError {
            engineError = e.code
            return .failed(errno: EIO_CODE)
        }
        let r = driver.execute(sql.read(inTransaction: inTransaction))
        guard r.status == .ok, let row = r.row else {
            if r.status == .ok { fail(EngineReply(status: .failed, code: EngineCode.sqlstate("02000"), message: "no row id = 1 in \(target.name)")) }
            else { fail(r) }
            _ = release()
            return .failed(errno: EIO_CODE)
        }
        version = row.1
        return .count(row.0)
    }

    package func write(count: Int, version: Int?, pause: () -> Void) -> Int32 {
        let r = driver.execute(sql.write(count: count, expected: nil, tag: installTag))
        if r.status == .ok { return 0 }
        fail(r)
        return EIO_CODE
    }
}

/// The errno a failed engine call stands behind (the engine's own code travels in `store.error`).
let EIO_CODE: Int32 = 5
