#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushModel

/// Runs a session case on SQLite (docs/isolation.md): each run a fresh database file in the
/// trial folder, each session its own connection with NO busy timeout. A step that returns
/// SQLITE_BUSY or SQLITE_LOCKED is blocked: its session cannot move until another one does,
/// then the statement is tried again. Every unfinished session blocked is a deadlock.
package final class SQLiteSessions: SessionEngine {
    private let folder: String
    private let journal: SQLiteJournal
    /// read-uncommitted: shared cache and `PRAGMA read_uncommitted = 1` on every session.
    private let sharedCache: Bool
    private var runs = 0
    /// SQLite never waits (no busy timeout), so a run cannot hang; kept for the protocol.
    package var runTimeoutNs: UInt64 = 30_000_000_000

    package init(folder: String, journal: SQLiteJournal, isolation: Isolation) throws(SessionFailure) {
        if let problem = EngineRegistry.clientProblem(.sqlite) { throw SessionFailure(description: problem) }
        var message = [CChar](repeating: 0, count: 240)
        guard tr_sqls_load(&message, Int32(message.count)) == 0 else { throw SessionFailure(description: "sqlite: \(cMessage(message))") }
        self.folder = folder
        self.journal = journal
        sharedCache = isolation == .readUncommitted
    }

    package func version() throws(SessionFailure) -> String {
        let path = "\(folder)/version.db"
        defer { Self.remove(path) }
        let db = try Self.open(path, shared: false)
        defer { tr_sqls_close(db) }
        return try Self.exec(db, "SELECT sqlite_version()").rows.first ?? "?"
    }

    /// `serializable/wal`: SQLite's level between connections, and the journal.
    package var isolationName: String { "\(sharedCache ? Isolation.readUncommitted.rawValue : Isolation.serializable.rawValue)/\(journal.rawValue)" }

    package func errorText(state: String, message: String) -> String { "\(state): \(message)" }

    package func refusal(_ state: String) -> SessionRefusal? {
        if state.hasSuffix(Self.deadlockSuffix) { return .deadlock }
        // WAL: a write on a snapshot older than the last commit can never succeed.
        return state == "SQLITE_BUSY_SNAPSHOT" ? .serializationFailure : nil
    }

    static let deadlockSuffix = " (deadlock)"

    package func run(_ c: SessionCase, choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) -> SessionRun {
        runs += 1
        let path = "\(folder)/sessions-\(runs).db"
        Self.remove(path)
        defer { Self.remove(path) }
        let admin = try Self.open(path, shared: false)
        do {
            defer { tr_sqls_close(admin) }
            let mode = try Self.exec(admin, "PRAGMA journal_mode = \(journal.rawValue)").rows.first
            guard mode == journal.rawValue else { throw SessionFailure(description: "sqlite: journal_mode \(journal.rawValue) gave \(mode ?? "nothing")") }
            for statement in c.setup {
                let a = try Self.query(admin, statement)
                if let e = a.error { throw SessionFailure(description: "setup '\(statement)': \(e.state): \(e.message)") }
            }
        }
        let conns = SQLiteConnections()
        defer { conns.close() }
        for _ in c.sessions {
            let conn = try Self.open(path, shared: sharedCache)
            conns.add(conn)
            if sharedCache { _ = try Self.exec(conn, "PRAGMA read_uncommitted = 1") }
        }
        var driver = SessionDriver(c, conns, deadline: MonotonicClock.now() + runTimeoutNs)
        try driver.play(choose: choose)
        // Closing rolls back what is still open, as a disconnect does; then the tables.
        conns.close()
        driver.run.finalState = try Self.dump(path)
        return driver.run
    }

    /// Every table, each row as `table: a|b`, sorted.
    private static func dump(_ path: String) throws(SessionFailure) -> [String] {
        let db = try open(path, shared: false)
        defer { tr_sqls_close(db) }
        let tables = try exec(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1").rows
        var out: [String] = []
        for t in tables { out += try exec(db, "SELECT * FROM \"\(t)\"").rows.map { "\(t): \($0)" } }
        return out.sorted()
    }

    static func open(_ path: String, shared: Bool) throws(SessionFailure) -> UnsafeMutableRawPointer {
        var message = [CChar](repeating: 0, count: 240)
        guard let db = tr_sqls_open(path, shared ? 1 : 0, &message, Int32(message.count)) else {
            throw SessionFailure(description: "sqlite: \(path): \(cMessage(message))")
        }
        return db
    }

    static func remove(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    struct Answer {
        var error: (state: String, message: String)?
        var code: Int32 = 0
        var rows: [String]
    }

    static func exec(_ db: UnsafeMutableRawPointer, _ sql: String) throws(SessionFailure) -> Answer {
        let a = try query(db, sql)
        if let e = a.error { throw SessionFailure(description: "sqlite: '\(sql)': \(e.state): \(e.message)") }
        return a
    }

    /// One statement to its end (SQLite never waits: no busy timeout).
    static func query(_ db: UnsafeMutableRawPointer, _ sql: String) throws(SessionFailure) -> Answer {
        var out = tr_db_result()
        let size = 1 << 20
        var rows = [CChar](repeating: 0, count: size)
        let n = tr_sqls_exec(db, sql, &out, &rows, Int32(size))
        // A result this large is not a case's: refuse rather than compare a truncated one.
        guard n >= 0 else { throw SessionFailure(description: "sqlite: a step returned more than 1 MiB of rows") }
        if out.status == 2 {
            let message = withUnsafeBytes(of: out.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return Answer(error: (codeName(out.code), message), code: out.code, rows: [])
        }
        let text = String(decoding: rows.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Answer(error: nil, rows: text.split(separator: "\n").map(String.init))
    }

    /// The extended result codes a session case meets, by their C names (sqlite3.h).
    static func codeName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            1: "SQLITE_ERROR", 5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 19: "SQLITE_CONSTRAINT", 261: "SQLITE_BUSY_RECOVERY",
            262: "SQLITE_LOCKED_SHAREDCACHE", 517: "SQLITE_BUSY_SNAPSHOT", 1555: "SQLITE_CONSTRAINT_PRIMARYKEY", 2067: "SQLITE_CONSTRAINT_UNIQUE",
        ]
        return names[code] ?? "SQLITE_\(code)"
    }

    /// The codes that mean "another connection holds the lock": try again once another
    /// session moved. BUSY_SNAPSHOT is not one: the snapshot stays old.
    static let blockedCodes: Set<Int32> = [5, 6, 261, 262]
}

/// One run's connections on SQLite: a step runs to its end at once (no busy timeout); one
/// that returned SQLITE_BUSY or SQLITE_LOCKED is blocked, and runs again when polled.
private final class SQLiteConnections: SessionConnections {
    private(set) var conns: [UnsafeMutableRawPointer] = []
    /// Each session's statement not yet finished.
    var pending: [Int: String] = [:]
    /// Sessions whose statement last returned SQLITE_BUSY or SQLITE_LOCKED.
    var busy = Set<Int>()
    var waits: SessionWaits {
        .inRunner(deadlock: ("SQLITE_BUSY" + SQLiteSessions.deadlockSuffix, "database is locked, and every unfinished session was blocked: rolled back"))
    }
    var engine: String { "sqlite" }

    /// The next session's connection, closed by `close`.
    func add(_ conn: UnsafeMutableRawPointer) { conns.append(conn) }

    func send(_ session: Int, _ sql: String) throws(SessionFailure) { pending[session] = sql }

    func poll(_ session: Int) throws(SessionFailure) -> SessionAnswer? {
        guard let sql = pending[session] else { return nil }
        let a = try SQLiteSessions.query(conns[session], sql)
        if a.error != nil, SQLiteSessions.blockedCodes.contains(a.code) {
            busy.insert(session)
            return nil
        }
        busy.remove(session)
        pending[session] = nil
        return SessionAnswer(error: a.error, rows: a.rows)
    }

    func isBlocked(_ session: Int) throws(SessionFailure) -> Bool { busy.contains(session) }

    func rollBack(_ session: Int) throws(SessionFailure) -> Bool {
        pending[session] = nil
        busy.remove(session)
        guard tr_sqls_in_transaction(conns[session]) != 0 else { return false }
        _ = try SQLiteSessions.exec(conns[session], "ROLLBACK")
        return true
    }

    func close() {
        for conn in conns { tr_sqls_close(conn) }
        conns = []
    }
}
