import TicketRushModel

/// A workload's SQL (docs/workloads.md), as pure functions. Tables, key = `id`:
/// seats `(id, owner NULL = free, version)`, limit `(id, customer, section, count, version)`,
/// rows `(id, holder, version)` — one row per booking.
package struct SQLWorkloadStatements: Sendable {
    package var dialect: SQLDialect
    package var mode: LockMode
    package var table: String
    package var workload: Workload

    package init(dialect: SQLDialect, mode: LockMode, table: String, workload: Workload) {
        self.dialect = dialect
        self.mode = mode
        self.table = table
        self.workload = workload
    }

    /// postgres and mariadb row-lock: every read in the transaction locks what it reads
    /// (SQLite's BEGIN IMMEDIATE took the database's write lock before the first read instead).
    private var forUpdate: String { mode == .rowLock && dialect != .sqlite ? " FOR UPDATE" : "" }

    /// Key `key`'s value and tag.
    package func read(key: Int) -> String {
        switch workload {
        case .seats: return "SELECT coalesce(owner, 0), version FROM \(table) WHERE id = \(key)\(forUpdate)"
        default: return "SELECT count, version FROM \(table) WHERE id = \(key)\(forUpdate)"
        }
    }

    /// The bookings' count: a predicate read (no row lock: an aggregate cannot take one).
    package var countRows: String { "SELECT count(*), 0 FROM \(table)" }

    /// Row `index`'s tag, in insertion order (row-lock: locked).
    package func rowTag(_ index: Int) -> String { "SELECT version, id FROM \(table) ORDER BY id LIMIT 1 OFFSET \(index)\(forUpdate)" }

    package func write(key: Int, value: Int, tag: Int) -> String {
        switch workload {
        case .seats: return "UPDATE \(table) SET owner = \(value), version = \(tag) WHERE id = \(key)"
        default: return "UPDATE \(table) SET count = \(value), version = \(tag) WHERE id = \(key)"
        }
    }

    package func insert(holder: Int, tag: Int) -> String { "INSERT INTO \(table) (holder, version) VALUES (\(holder), \(tag))" }

    /// atomic: the purchase as one conditional statement; one row changed = bought.
    package func conditional(_ purchase: ConditionalPurchase, tag: Int) -> String {
        switch purchase {
        case .seat(let key, let owner):
            return "UPDATE \(table) SET owner = \(owner), version = \(tag) WHERE id = \(key) AND owner IS NULL"
        case .limit(let key, let customer, let limit):
            return "UPDATE \(table) SET count = count + 1, version = \(tag) WHERE id = \(key) AND (SELECT sum(count) FROM \(table) WHERE customer = \(customer)) < \(limit)"
        case .row(let holder, let capacity):
            // MariaDB needs a FROM before WHERE.
            let from = dialect == .mariadb ? " FROM DUAL" : ""
            return "INSERT INTO \(table) (holder, version) SELECT \(holder), \(tag)\(from) WHERE (SELECT count(*) FROM \(table)) < \(capacity)"
        }
    }

    /// The runner's statements before the first fork: fresh tables, every key at tag 0.
    package func create() -> [String] {
        let id = switch dialect {
        case .postgres: "id SERIAL PRIMARY KEY"
        case .mariadb: "id INTEGER PRIMARY KEY AUTO_INCREMENT"
        case .sqlite: "id INTEGER PRIMARY KEY"
        }
        let drop = "DROP TABLE IF EXISTS \(table)"
        func keys(_ n: Int, _ columns: String, _ values: String) -> String {
            let series = switch dialect {
            case .postgres: "generate_series(1, \(n)) AS i"
            // MariaDB's sequence engine: a virtual table of 1…n.
            case .mariadb: "(SELECT seq AS i FROM seq_1_to_\(n)) AS s"
            case .sqlite: "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < \(n)) SELECT i FROM s)"
            }
            return "INSERT INTO \(table) (id\(columns)) SELECT i\(values) FROM \(series)"
        }
        switch workload {
        case .seats(let seats, _):
            return [drop, "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, owner INTEGER, version INTEGER NOT NULL DEFAULT 0)", keys(seats, "", "")]
        case .limit(let sections, _, let customers):
            return [drop, "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, section INTEGER NOT NULL, count INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0)",
                    keys(sections * customers, ", customer, section", ", (i - 1) / \(sections), (i - 1) % \(sections)")]
        case .rows:
            return [drop, "CREATE TABLE \(table) (\(id), holder INTEGER NOT NULL, version INTEGER NOT NULL)"]
        }
    }

    /// The runner's final read, one row at a time after `after` (keyset): the next key
    /// holding something (seats taken, counts above 0) as (id, value), or the next row as (id, holder).
    package func next(after: Int) -> String {
        switch workload {
        case .seats: return "SELECT id, owner FROM \(table) WHERE owner IS NOT NULL AND id > \(after) ORDER BY id LIMIT 1"
        case .limit: return "SELECT id, count FROM \(table) WHERE count > 0 AND id > \(after) ORDER BY id LIMIT 1"
        case .rows: return "SELECT id, holder FROM \(table) WHERE id > \(after) ORDER BY id LIMIT 1"
        }
    }

    /// The state from the rows `next` returned, in order.
    package func state(_ found: [(Int, Int)]) -> WorkloadState {
        switch workload {
        case .rows: return WorkloadState(rows: found.map(\.1))
        default:
            var values = [Int](repeating: 0, count: workload.keyCount)
            for (id, value) in found where id >= 1 && id <= values.count { values[id - 1] = value }
            return WorkloadState(values: values)
        }
    }
}

/// A SQL database as a workload buyer's store: `begin` runs the lock mode's BEGIN (none:
/// autocommit), busy / serialization failures / deadlocks come back as retries, and every
/// failure ends the transaction.
package final class SQLWorkloadStore: WorkloadStore {
    private let driver: any SQLDriver
    private let target: EngineTarget
    private let sql: SQLWorkloadStatements
    private let begins: [String]
    /// mariadb advisory: GET_LOCK's statement and what releases it after the transaction.
    private let lockStatement: String?, unlock: String?
    private var holdsNamedLock = false
    private let buyer: Int
    private var connectError: EngineReply?
    private var inTransaction = false

    package init(driver: any SQLDriver, target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) {
        self.driver = driver
        self.target = target
        self.buyer = buyer
        sql = SQLWorkloadStatements(dialect: driver.dialect, mode: mode, table: target.name, workload: workload)
        let statements = SQLStatements(dialect: driver.dialect, mode: mode, table: target.name, isolation: target.isolation)
        (begins, lockStatement, unlock) = (statements.begin, statements.lockStatement, statements.unlock)
        connectError = driver.connect()
        // With its code, as a statement's error is: a client's own text ("Lost connection…") names no number.
        if let e = connectError { EngineStore.log(target, buyer: buyer, "\(EngineCode.text(e.code)): \(e.message)") }
    }

    package func begin() -> WorkloadStatus {
        if let e = connectError { return .failed(code: e.code) }
        guard !begins.isEmpty else { return .ok }
        for statement in begins {
            let (status, row) = run(statement)
            if status != .ok { return status }
            if statement == lockStatement {
                guard row?.0 == 1 else { return missing("GET_LOCK did not take the lock") }
                holdsNamedLock = true
            }
            inTransaction = true
        }
        return .ok
    }

    /// Releases the named lock (mariadb advisory) once the transaction is over.
    private func releaseNamedLock() {
        guard holdsNamedLock, let unlock else { return }
        _ = driver.execute(unlock)
        holdsNamedLock = false
    }

    package func read(key: Int) -> (WorkloadStatus, value: Int, tag: Int) {
        let (status, row) = run(sql.read(key: key))
        guard status == .ok else { return (status, 0, 0) }
        guard let row else { return (missing("no row id = \(key)"), 0, 0) }
        return (.ok, row.0, row.1)
    }

    package func countRows() -> (WorkloadStatus, count: Int) {
        let (status, row) = run(sql.countRows)
        return (status, row?.0 ?? 0)
    }

    package func rowTag(_ index: Int) -> (WorkloadStatus, tag: Int) {
        let (status, row) = run(sql.rowTag(index))
        guard status == .ok else { return (status, 0) }
        // Under read committed a row counted may be gone (never here: nothing deletes).
        guard let row else { return (missing("no row at offset \(index)"), 0) }
        return (.ok, row.0)
    }

    package func write(key: Int, value: Int, tag: Int, pause: () -> Void) -> WorkloadStatus {
        run(sql.write(key: key, value: value, tag: tag)).0
    }

    package func insert(holder: Int, tag: Int, pause: () -> Void) -> WorkloadStatus {
        run(sql.insert(holder: holder, tag: tag)).0
    }

    package func commit() -> WorkloadStatus {
        guard inTransaction else { return .ok }
        let status = run("COMMIT").0
        inTransaction = false
        releaseNamedLock()
        return status
    }

    package func rollback() {
        defer { releaseNamedLock() }
        guard inTransaction else { return }
        _ = driver.execute("ROLLBACK")
        inTransaction = false
    }

    package func conditional(_ purchase: ConditionalPurchase, tag: Int) -> (WorkloadStatus, applied: Bool) {
        if let e = connectError { return (.failed(code: e.code), false) }
        let r = driver.execute(sql.conditional(purchase, tag: tag))
        let status = status(of: r)
        return (status, status == .ok && r.changes > 0)
    }

    /// One statement: its status and first row.
    private func run(_ statement: String) -> (WorkloadStatus, (Int, Int)?) {
        if let e = connectError { return (.failed(code: e.code), nil) }
        let r = driver.execute(statement)
        return (status(of: r), r.row)
    }

    private func status(of r: EngineReply) -> WorkloadStatus {
        switch r.status {
        case .ok: return .ok
        case .retry(let reason): return .retry(reason)
        case .failed:
            EngineStore.log(target, buyer: buyer, "\(EngineCode.text(r.code)): \(r.message)")
            return .failed(code: r.code)
        }
    }

    private func missing(_ what: String) -> WorkloadStatus {
        EngineStore.log(target, buyer: buyer, "\(what) in \(target.name)")
        return .failed(code: EngineCode.sqlstate("02000"))
    }
}
