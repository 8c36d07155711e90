#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushModel

/// Runs a session case on a MariaDB server (docs/isolation.md): one connection per session
/// at the case's isolation level, each run in a fresh database, one step at a time. A step
/// that does not finish is reported blocked only when the server says it waits for another
/// session's lock (information_schema.INNODB_LOCK_WAITS joined to INNODB_TRX by the
/// sessions' CONNECTION_ID()); InnoDB's own deadlock detector (1213) and lock wait timeout
/// (1205) end a wait, as errors with their numbers.
package final class MariaDBSessions: SessionEngine {
    private let address: MariaDBAddress
    private let isolation: Isolation
    private let admin: UnsafeMutableRawPointer
    private var databases = 0
    package var runTimeoutNs: UInt64 = 30_000_000_000

    /// As PostgresSessions: a stalled server must not hang the run; SIGINT ends any wait.
    static let answerWithinNs: UInt64 = 60_000_000_000

    package init(url: String, isolation: Isolation) throws(SessionFailure) {
        if let problem = EngineRegistry.clientProblem(.mariadb) { throw SessionFailure(description: problem) }
        try Self.loadSessionCalls()
        address = MariaDBAddress(url: url)
        self.isolation = isolation
        admin = try Self.connect(address)
    }

    deinit { tr_maria_close(admin) }

    /// The non-blocking calls, from the libmariadb the engine loaded.
    static func loadSessionCalls() throws(SessionFailure) {
        var message = [CChar](repeating: 0, count: 240)
        guard tr_mars_load(&message, Int32(message.count)) == 0 else { throw SessionFailure(description: "mariadb: \(cMessage(message))") }
    }

    static func connect(_ address: MariaDBAddress) throws(SessionFailure) -> UnsafeMutableRawPointer {
        var bound = tr_db_bound(deadline_ns: MonotonicClock.now() + answerWithinNs, interrupted: tr_interrupted, stop_on_signal: 0)
        var out = tr_db_result()
        guard let conn = address.withWhere({ tr_maria_connect_bounded($0, &bound, &out) }) else {
            if out.status == TR_DB_INTERRUPTED { throw SessionFailure(description: "interrupted") }
            if out.status == TR_DB_UNANSWERED { throw SessionFailure(description: "mariadb: the server did not answer a connection within \(answerWithinNs / 1_000_000_000) s") }
            throw SessionFailure(description: "mariadb: \(message(out))")
        }
        return conn
    }

    /// "10.11.6-MariaDB-0+deb12u1": the number is the version.
    package func version() throws(SessionFailure) -> String {
        String(try Self.exec(admin, "SELECT VERSION()").rows.first?.split(separator: "-").first ?? "?")
    }

    package var isolationName: String { isolation.rawValue }

    package func errorText(state: String, message: String) -> String { "error \(state): \(message)" }

    /// 1213 ER_LOCK_DEADLOCK; 1020 ER_CHECKREAD ("Record has changed since last read", with
    /// innodb_snapshot_isolation). 1205, the lock wait timeout, is an error, not a refusal.
    package func refusal(_ state: String) -> SessionRefusal? {
        state == "1213" ? .deadlock : state == "1020" ? .serializationFailure : nil
    }

    package func run(_ c: SessionCase, choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) -> SessionRun {
        databases += 1
        let db = "trs_\(getpid())_\(databases)"
        _ = try Self.exec(admin, "DROP DATABASE IF EXISTS \(db)")
        _ = try Self.exec(admin, "CREATE DATABASE \(db)")
        defer { _ = try? Self.exec(admin, "DROP DATABASE IF EXISTS \(db)") }
        _ = try Self.exec(admin, "USE \(db)")
        for statement in c.setup {
            let r = try Self.query(admin, statement)
            if let e = r.error { throw SessionFailure(description: "setup '\(statement)': error \(e.state): \(e.message)") }
        }
        var conns: [UnsafeMutableRawPointer] = []
        defer { for conn in conns { tr_maria_close(conn) } }
        for _ in c.sessions {
            let conn = try Self.connect(address)
            conns.append(conn)
            _ = try Self.exec(conn, "USE \(db)")
            _ = try Self.exec(conn, "SET SESSION TRANSACTION ISOLATION LEVEL \(isolation.sql)")
        }
        var state = MariaDBRunState(c: c, conns: conns, ids: conns.map { UInt(tr_maria_thread_id($0)) },
                                    deadline: MonotonicClock.now() + runTimeoutNs)
        defer { for step in state.inFlight.values { tr_mars_drop(step) } }
        try state.play(admin: admin, choose: choose)
        // A session still waiting is ended by closing its connection (the defer above).
        state.run.finalState = try Self.dump(admin, db: db)
        return state.run
    }

    /// Every table of `db`, each row as `table: a|b`, sorted.
    private static func dump(_ conn: UnsafeMutableRawPointer, db: String) throws(SessionFailure) -> [String] {
        let tables = try exec(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = '\(db)' ORDER BY 1").rows
        var out: [String] = []
        for t in tables { out += try exec(conn, "SELECT * FROM \(db).`\(t)`").rows.map { "\(t): \($0)" } }
        return out.sorted()
    }

    struct Answer {
        var error: (state: String, message: String)?
        var rows: [String]
    }

    static func exec(_ conn: UnsafeMutableRawPointer, _ sql: String) throws(SessionFailure) -> Answer {
        let a = try query(conn, sql)
        if let e = a.error { throw SessionFailure(description: "mariadb: '\(sql)': error \(e.state): \(e.message)") }
        return a
    }

    /// One statement of the runner's own, waited for at most answerWithinNs.
    static func query(_ conn: UnsafeMutableRawPointer, _ sql: String) throws(SessionFailure) -> Answer {
        var out = tr_db_result()
        guard let step = tr_mars_send(conn, sql, &out) else { throw SessionFailure(description: "mariadb: \(message(out))") }
        let deadline = MonotonicClock.now() + answerWithinNs
        while tr_mars_ready(step, 100) == 0 {
            if tr_interrupted() != 0 || MonotonicClock.now() >= deadline {
                tr_mars_drop(step)
                if tr_interrupted() != 0 { throw SessionFailure(description: "interrupted") }
                throw SessionFailure(description: "mariadb: the server did not answer '\(sql)' within \(answerWithinNs / 1_000_000_000) s")
            }
        }
        return try take(step)
    }

    static func take(_ step: UnsafeMutableRawPointer) throws(SessionFailure) -> Answer {
        var out = tr_db_result()
        let size = 1 << 20
        var rows = [CChar](repeating: 0, count: size)
        let n = tr_mars_take(step, &out, &rows, Int32(size))
        // A result this large is not a case's: refuse rather than compare a truncated one.
        guard n >= 0 else { throw SessionFailure(description: "mariadb: a step returned more than 1 MiB of rows") }
        if out.status == 2 { return Answer(error: ("\(out.code)", message(out)), rows: []) }
        let text = String(decoding: rows.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Answer(error: nil, rows: text.split(separator: "\n").map(String.init))
    }

    static func message(_ out: tr_db_result) -> String {
        withUnsafeBytes(of: out.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// One run in progress on MariaDB: each session's statement in flight, which of them the
/// server says wait for another session, and what finished.
private struct MariaDBRunState {
    let c: SessionCase
    let conns: [UnsafeMutableRawPointer]
    let ids: [UInt]
    let deadline: UInt64
    var next: [Int]
    /// The statement each session has sent and not yet taken.
    var inFlight: [Int: UnsafeMutableRawPointer] = [:]
    var blocked: [Int: StepRef] = [:]
    var run = SessionRun()

    init(c: SessionCase, conns: [UnsafeMutableRawPointer], ids: [UInt], deadline: UInt64) {
        self.c = c
        self.conns = conns
        self.ids = ids
        self.deadline = deadline
        next = Array(repeating: 0, count: c.sessions.count)
    }

    mutating func play(admin: UnsafeMutableRawPointer, choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) {
        while true {
            let movable = c.sessions.indices.filter { next[$0] < c.sessions[$0].statements.count && blocked[$0] == nil }
            if movable.isEmpty {
                if blocked.isEmpty { return }
                // Every unfinished session waits: InnoDB's deadlock detector (or its lock wait timeout) ends one.
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
            guard let sent = tr_mars_send(conns[session], c.statement(step), &out) else {
                throw SessionFailure(description: "mariadb: \(MariaDBSessions.message(out))")
            }
            inFlight[session] = sent
            if try settle(session, step, admin: admin) { _ = try settleBlocked(admin: admin, untilOneEnds: false) }
        }
    }

    /// Waits until the step finishes (true) or the server says it is blocked (false).
    mutating func settle(_ session: Int, _ step: StepRef, admin: UnsafeMutableRawPointer) throws(SessionFailure) -> Bool {
        while true {
            if try finishIfReady(session, step, wasBlocked: false) { return true }
            if try isBlocked(session, admin: admin) {
                blocked[session] = step
                return false
            }
            if tr_interrupted() != 0 { throw SessionFailure(description: "interrupted") }
            guard MonotonicClock.now() < deadline else { throw SessionFailure(description: "mariadb: \(c.label(step)) neither finished nor blocked within the run's timeout") }
        }
    }

    /// As PostgresSessions' RunState.settleBlocked: each blocked session finishes or is still
    /// blocked per the server; a finish may free others, so it goes round again. With
    /// `untilOneEnds`, it keeps asking until one finishes: false when the deadline passed first.
    mutating func settleBlocked(admin: UnsafeMutableRawPointer, untilOneEnds: Bool) throws(SessionFailure) -> Bool {
        var endedAny = false
        while true {
            var ended = false
            for session in blocked.keys.sorted() {
                guard let step = blocked[session] else { continue }
                while true {
                    if try finishIfReady(session, step, wasBlocked: true) {
                        blocked[session] = nil
                        ended = true
                        break
                    }
                    if try isBlocked(session, admin: admin) { break }
                    if tr_interrupted() != 0 { throw SessionFailure(description: "interrupted") }
                    guard MonotonicClock.now() < deadline else { return false }
                }
            }
            endedAny = endedAny || ended
            if ended { continue }
            if !untilOneEnds || endedAny { return true }
            guard MonotonicClock.now() < deadline else { return false }
        }
    }

    mutating func finishIfReady(_ session: Int, _ step: StepRef, wasBlocked: Bool) throws(SessionFailure) -> Bool {
        guard let sent = inFlight[session], tr_mars_ready(sent, 5) == 1 else { return false }
        inFlight[session] = nil
        let a = try MariaDBSessions.take(sent)
        run.finished.append(StepOutcome(step: step, blocked: wasBlocked, error: a.error, rows: a.rows.sorted()))
        return true
    }

    /// The server's word: this session's transaction waits for a lock (InnoDB's own
    /// transaction list, `LOCK WAIT` above its `MariaDB thread id`). Not information_schema's
    /// INNODB_LOCK_WAITS: InnoDB refreshes those tables only after 0.1 s without a read
    /// (trx0i_s.cc, CACHE_MIN_IDLE_TIME_US), so a runner asking every few ms would read one
    /// stale copy forever; SHOW ENGINE INNODB STATUS is built under the lock system's mutex
    /// each time, and a commit has freed its waiters before its reply arrives.
    func isBlocked(_ session: Int, admin: UnsafeMutableRawPointer) throws(SessionFailure) -> Bool {
        let status = try MariaDBSessions.exec(admin, "SHOW ENGINE INNODB STATUS").rows.joined(separator: "\n")
        return MariaDBSessions.waiting(status).contains(ids[session])
    }
}

extension MariaDBSessions {
    /// The thread ids (CONNECTION_ID()) whose transaction SHOW ENGINE INNODB STATUS lists as
    /// in LOCK WAIT.
    static func waiting(_ status: String) -> Set<UInt> {
        var out = Set<UInt>()
        for block in status.split(separator: "---TRANSACTION") where block.contains("\nLOCK WAIT ") {
            // "MariaDB thread id 7, OS thread handle …" (MySQL prints "MySQL thread id").
            guard let r = block.firstRange(of: " thread id ") else { continue }
            if let id = UInt(block[r.upperBound...].prefix { $0.isNumber }) { out.insert(id) }
        }
        return out
    }
}
