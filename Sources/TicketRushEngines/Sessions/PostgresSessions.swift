#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushModel

/// Runs a session case on a PostgreSQL server (docs/isolation.md): one connection per
/// session at the case's isolation level, each run in a fresh schema, one step at a time.
/// A step that does not finish is reported blocked only when the server says it waits for
/// another session (`pg_isolation_test_session_is_blocked`, as the isolation tester asks).
package final class PostgresSessions: SessionEngine {
    package typealias Failure = SessionFailure
    package typealias Stuck = SessionStuck

    private let conninfo: String
    private let isolation: Isolation
    private let admin: UnsafeMutableRawPointer
    private var schemas = 0
    /// How long one run may take before it is stuck.
    package var runTimeoutNs: UInt64 = 30_000_000_000

    package init(conninfo: String, isolation: Isolation) throws(Failure) {
        if let problem = EngineRegistry.clientProblem(.postgres) { throw Failure(description: problem) }
        self.conninfo = conninfo
        self.isolation = isolation
        admin = try Self.connect(conninfo)
    }

    deinit { tr_pg_close(admin) }

    /// How long the server has to answer one of the runner's own calls (connect, setup, the
    /// blocked question, the final dump) before the run stops with an error: a stalled server
    /// must not hang the run. A SIGINT or SIGTERM ends any wait at once.
    static let answerWithinNs: UInt64 = 60_000_000_000

    private static func connect(_ conninfo: String) throws(Failure) -> UnsafeMutableRawPointer {
        var bound = tr_db_bound(deadline_ns: MonotonicClock.now() + answerWithinNs, interrupted: tr_interrupted, stop_on_signal: 0)
        var out = tr_db_result()
        guard let conn = tr_pg_connect_bounded(conninfo, &bound, &out) else {
            if out.status == TR_DB_INTERRUPTED { throw Failure(description: "interrupted") }
            if out.status == TR_DB_UNANSWERED { throw Failure(description: "postgres: the server did not answer a connection within \(answerWithinNs / 1_000_000_000) s") }
            throw Failure(description: "postgres: \(message(out))")
        }
        return conn
    }

    /// The server's version (`server_version`), for isolation.csv.
    package func serverVersion() throws(Failure) -> String {
        try Self.query(admin, "SHOW server_version").rows.first ?? "?"
    }

    /// "15.18 (Debian 15.18-0+deb12u1)": the number is the version.
    package func version() throws(Failure) -> String { String(try serverVersion().split(separator: " ").first ?? "?") }

    package var isolationName: String { isolation.rawValue }

    package func errorText(state: String, message: String) -> String { "SQLSTATE \(state): \(message)" }

    package func refusal(_ state: String) -> SessionRefusal? {
        state == "40001" ? .serializationFailure : state == "40P01" ? .deadlock : nil
    }

    /// Runs `c`, choosing each next step with `choose` from the sessions that can move (not
    /// finished, not blocked); nil ends the run as stuck with the reason it returns.
    package func run(_ c: SessionCase, choose: ([Int]) -> Result<Int, Stuck>) throws(Failure) -> SessionRun {
        schemas += 1
        let schema = "trs_\(getpid())_\(schemas)"
        _ = try Self.exec(admin, "DROP SCHEMA IF EXISTS \(schema) CASCADE")
        _ = try Self.exec(admin, "CREATE SCHEMA \(schema)")
        defer { _ = try? Self.exec(admin, "DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        _ = try Self.exec(admin, "SET search_path TO \(schema)")
        for statement in c.setup {
            let r = try Self.query(admin, statement)
            if let e = r.error { throw Failure(description: "setup '\(statement)': SQLSTATE \(e.state): \(e.message)") }
        }
        var conns: [UnsafeMutableRawPointer] = []
        defer { for conn in conns { tr_pg_close(conn) } }
        for _ in c.sessions {
            let conn = try Self.connect(conninfo)
            conns.append(conn)
            _ = try Self.exec(conn, "SET search_path TO \(schema)")
            _ = try Self.exec(conn, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL \(isolation.sql)")
        }
        var state = RunState(c: c, conns: conns, pids: conns.map { Int(tr_pg_backend_pid($0)) }, deadline: MonotonicClock.now() + runTimeoutNs)
        try state.play(admin: admin, choose: choose)
        state.run.finalState = try Self.dump(admin, schema: schema)
        return state.run
    }

    /// Every table of `schema`, each row as `table: a|b`, sorted.
    private static func dump(_ conn: UnsafeMutableRawPointer, schema: String) throws(Failure) -> [String] {
        let tables = try query(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = '\(schema)' ORDER BY 1").rows
        var out: [String] = []
        for t in tables { out += try query(conn, "SELECT * FROM \(schema).\"\(t)\"").rows.map { "\(t): \($0)" } }
        return out.sorted()
    }

    package struct Answer {
        package var error: (state: String, message: String)?
        package var rows: [String]
    }

    static func exec(_ conn: UnsafeMutableRawPointer, _ sql: String) throws(Failure) -> Answer {
        let a = try query(conn, sql)
        if let e = a.error { throw Failure(description: "'\(sql)': SQLSTATE \(e.state): \(e.message)") }
        return a
    }

    /// One statement, waited for.
    static func query(_ conn: UnsafeMutableRawPointer, _ sql: String) throws(Failure) -> Answer {
        var out = tr_db_result()
        guard tr_pg_send(conn, sql, &out) == 0 else { throw Failure(description: "postgres: \(message(out))") }
        let deadline = MonotonicClock.now() + answerWithinNs
        while true {
            let r = tr_pg_ready(conn, 100)
            if r < 0 { throw Failure(description: "postgres: the connection failed during '\(sql)'") }
            if r == 1 { break }
            if tr_interrupted() != 0 { throw Failure(description: "interrupted") }
            guard MonotonicClock.now() < deadline else {
                throw Failure(description: "postgres: the server did not answer '\(sql)' within \(answerWithinNs / 1_000_000_000) s")
            }
        }
        return try take(conn)
    }

    static func take(_ conn: UnsafeMutableRawPointer) throws(Failure) -> Answer {
        var out = tr_db_result()
        let size = 1 << 20
        var rows = [CChar](repeating: 0, count: size)
        let n = tr_pg_take(conn, &out, &rows, Int32(size))
        // A result this large is not a case's: refuse rather than compare a truncated one.
        guard n >= 0 else { throw Failure(description: "postgres: a step returned more than 1 MiB of rows") }
        if out.status == 2 {
            let state = withUnsafeBytes(of: out.sqlstate) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return Answer(error: (state, message(out)), rows: [])
        }
        let text = String(decoding: rows.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Answer(error: nil, rows: text.split(separator: "\n").map(String.init))
    }

    static func message(_ out: tr_db_result) -> String {
        withUnsafeBytes(of: out.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// One run in progress: which sessions wait for their statement, and what finished.
private struct RunState {
    let c: SessionCase
    let conns: [UnsafeMutableRawPointer]
    let pids: [Int]
    let deadline: UInt64
    var next: [Int]
    /// Sessions whose statement the server said waits for another session.
    var blocked: [Int: StepRef] = [:]
    var run = SessionRun()

    init(c: SessionCase, conns: [UnsafeMutableRawPointer], pids: [Int], deadline: UInt64) {
        self.c = c
        self.conns = conns
        self.pids = pids
        self.deadline = deadline
        next = Array(repeating: 0, count: c.sessions.count)
    }

    mutating func play(admin: UnsafeMutableRawPointer, choose: ([Int]) -> Result<Int, PostgresSessions.Stuck>) throws(PostgresSessions.Failure) {
        while true {
            let movable = c.sessions.indices.filter { next[$0] < c.sessions[$0].statements.count && blocked[$0] == nil }
            if movable.isEmpty {
                if blocked.isEmpty { return }
                // Every unfinished session waits: the server's deadlock detector ends one.
                guard try settleBlocked(admin: admin, untilOneEnds: true) else {
                    run.stuck = "every unfinished session stayed blocked"
                    return
                }
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
            var out = tr_db_result()
            guard tr_pg_send(conns[session], c.statement(step), &out) == 0 else {
                throw PostgresSessions.Failure(description: "postgres: \(PostgresSessions.message(out))")
            }
            if try settle(session, step, admin: admin) { _ = try settleBlocked(admin: admin, untilOneEnds: false) }
        }
    }

    /// Waits until the step finishes (true) or the server says it is blocked (false).
    mutating func settle(_ session: Int, _ step: StepRef, admin: UnsafeMutableRawPointer) throws(PostgresSessions.Failure) -> Bool {
        while true {
            let r = tr_pg_ready(conns[session], 5)
            if r < 0 { throw PostgresSessions.Failure(description: "postgres: the connection of \(c.sessions[session].name) failed") }
            if r == 1 {
                try finish(session, step, wasBlocked: false)
                return true
            }
            if try isBlocked(session, admin: admin) {
                blocked[session] = step
                return false
            }
            try interruptCheck()
            guard MonotonicClock.now() < deadline else { throw PostgresSessions.Failure(description: "postgres: \(c.label(step)) neither finished nor blocked within the run's timeout") }
        }
    }

    /// After a step finished, each blocked session either finishes or is still blocked per
    /// the server (a commit may have freed it, and it needs a moment to finish); a finish may
    /// free others, so it goes round again. With `untilOneEnds` (every unfinished session
    /// waits), it keeps asking until one finishes: false when the deadline passed first.
    mutating func settleBlocked(admin: UnsafeMutableRawPointer, untilOneEnds: Bool) throws(PostgresSessions.Failure) -> Bool {
        var endedAny = false
        while true {
            var ended = false
            for session in blocked.keys.sorted() {
                guard let step = blocked[session] else { continue }
                while true {
                    let r = tr_pg_ready(conns[session], 5)
                    if r < 0 { throw PostgresSessions.Failure(description: "postgres: the connection of \(c.sessions[session].name) failed") }
                    if r == 1 {
                        blocked[session] = nil
                        try finish(session, step, wasBlocked: true)
                        ended = true
                        break
                    }
                    if try isBlocked(session, admin: admin) { break }
                    try interruptCheck()
                    guard MonotonicClock.now() < deadline else { return false }
                }
            }
            endedAny = endedAny || ended
            if ended { continue }
            if !untilOneEnds || endedAny { return true }
            guard MonotonicClock.now() < deadline else { return false }
        }
    }

    /// SIGINT/SIGTERM end a wait at once: the run's teardown stops the server.
    func interruptCheck() throws(PostgresSessions.Failure) {
        if tr_interrupted() != 0 { throw PostgresSessions.Failure(description: "interrupted") }
    }

    func isBlocked(_ session: Int, admin: UnsafeMutableRawPointer) throws(PostgresSessions.Failure) -> Bool {
        let others = pids.enumerated().filter { $0.offset != session }.map { String($0.element) }.joined(separator: ",")
        let a = try PostgresSessions.exec(admin, "SELECT pg_catalog.pg_isolation_test_session_is_blocked(\(pids[session]), '{\(others)}')")
        return a.rows.first == "t"
    }

    mutating func finish(_ session: Int, _ step: StepRef, wasBlocked: Bool) throws(PostgresSessions.Failure) {
        let a = try PostgresSessions.take(conns[session])
        run.finished.append(StepOutcome(step: step, blocked: wasBlocked, error: a.error, rows: a.rows.sorted()))
    }
}
