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
        var state = SQLiteRunState(c: c, conns: [])
        defer { for conn in state.conns { tr_sqls_close(conn) } }
        for _ in c.sessions {
            state.conns.append(try Self.open(path, shared: sharedCache))
            if sharedCache { _ = try Self.exec(state.conns[state.conns.count - 1], "PRAGMA read_uncommitted = 1") }
        }
        try state.play(choose: choose)
        // Closing rolls back what is still open, as a disconnect does; then the tables.
        for conn in state.conns { tr_sqls_close(conn) }
        state.conns = []
        state.run.finalState = try Self.dump(path)
        return state.run
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

/// One run in progress on SQLite: which sessions are blocked (their statement to retry).
private struct SQLiteRunState {
    let c: SessionCase
    var conns: [UnsafeMutableRawPointer]
    var next: [Int]
    /// Sessions whose statement returned SQLITE_BUSY/LOCKED, in the order they blocked.
    var blocked: [(session: Int, step: StepRef)] = []
    /// Sessions whose transaction was rolled back after a deadlock: their steps up to its end do not run.
    var aborted = Set<Int>()
    var run = SessionRun()

    init(c: SessionCase, conns: [UnsafeMutableRawPointer]) {
        self.c = c
        self.conns = conns
        next = Array(repeating: 0, count: c.sessions.count)
    }

    mutating func play(choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) {
        while true {
            if tr_interrupted() != 0 { throw SessionFailure(description: "interrupted") }
            let movable = c.sessions.indices.filter { s in next[s] < c.sessions[s].statements.count && !blocked.contains { $0.session == s } }
            if movable.isEmpty {
                if blocked.isEmpty { return }
                // Nothing runs between steps, so no lock can change: a deadlock.
                try breakDeadlock()
                continue
            }
            let session: Int
            switch choose(movable) {
            case .success(let s): session = s
            case .failure(let stuck):
                run.stuck = stuck.reason
                return
            }
            let step = StepRef(session: session, index: next[session])
            next[session] += 1
            run.started.append(step)
            if aborted.contains(session) {
                if Self.endsTransaction(c.statement(step)) { aborted.remove(session) }
                run.finished.append(StepOutcome(step: step, error: ("not run", "its transaction was rolled back after a deadlock")))
                continue
            }
            if try attempt(session, step, wasBlocked: false) { try retryBlocked() }
        }
    }

    /// Runs the step: true when it finished, false when it is blocked.
    mutating func attempt(_ session: Int, _ step: StepRef, wasBlocked: Bool) throws(SessionFailure) -> Bool {
        let a = try SQLiteSessions.query(conns[session], c.statement(step))
        if a.error != nil, SQLiteSessions.blockedCodes.contains(a.code) {
            if !wasBlocked { blocked.append((session, step)) }
            return false
        }
        run.finished.append(StepOutcome(step: step, blocked: wasBlocked, error: a.error, rows: a.rows.sorted()))
        return true
    }

    /// After a session moved, each blocked statement is tried again, in the order they
    /// blocked; one that finishes may free others, so it goes round until none does.
    mutating func retryBlocked() throws(SessionFailure) {
        var moved = true
        while moved {
            moved = false
            for (session, step) in blocked {
                guard try attempt(session, step, wasBlocked: true) else { continue }
                blocked.removeAll { $0.session == session }
                moved = true
                break
            }
        }
    }

    /// The session that blocked last closed the cycle: its step fails (SQLITE_BUSY, as the
    /// engine answered), and its transaction is rolled back, as SQLite tells an application
    /// to and as PostgreSQL's detector does itself; the others are tried again.
    mutating func breakDeadlock() throws(SessionFailure) {
        let (victim, step) = blocked.removeLast()
        run.finished.append(StepOutcome(step: step, blocked: true, error: ("SQLITE_BUSY" + SQLiteSessions.deadlockSuffix,
                                        "database is locked, and every unfinished session was blocked: rolled back")))
        if tr_sqls_in_transaction(conns[victim]) != 0 {
            _ = try SQLiteSessions.exec(conns[victim], "ROLLBACK")
            if !Self.endsTransaction(c.statement(step)) { aborted.insert(victim) }
        }
        try retryBlocked()
    }

    static func endsTransaction(_ sql: String) -> Bool {
        let word = String(sql.drop { $0 == " " || $0 == "\n" || $0 == "\t" }.prefix { $0.isLetter }).lowercased()
        return ["commit", "end", "rollback", "abort"].contains(word)
    }
}
