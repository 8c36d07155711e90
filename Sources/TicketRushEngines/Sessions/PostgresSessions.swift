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
package final class PostgresSessions: ServerSessions {
    package typealias Failure = SessionFailure
    package typealias Stuck = SessionStuck

    private let conninfo: String
    let isolation: Isolation
    let admin: UnsafeMutableRawPointer
    var runs = 0
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
        try runOnServer(c, choose: choose)
    }

    static func namespace(_ name: String) -> (drop: String, create: String, use: String) {
        ("DROP SCHEMA IF EXISTS \(name) CASCADE", "CREATE SCHEMA \(name)", "SET search_path TO \(name)")
    }

    static func isolationStatement(_ isolation: Isolation) -> String { "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL \(isolation.sql)" }

    func connectSession() throws(Failure) -> UnsafeMutableRawPointer { try Self.connect(conninfo) }

    func connections(for c: SessionCase) -> PostgresConnections { PostgresConnections(names: c.sessions.map(\.name), admin: admin) }

    static func dump(_ conn: UnsafeMutableRawPointer, _ schema: String) throws(Failure) -> [String] {
        let tables = try query(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = '\(schema)' ORDER BY 1").rows
        var out: [String] = []
        for t in tables { out += try query(conn, "SELECT * FROM \(schema).\"\(t)\"").rows.map { "\(t): \($0)" } }
        return out.sorted()
    }

    package typealias Answer = SessionAnswer

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

/// One run's connections on PostgreSQL: a step is sent without waiting, and is blocked when
/// the server says it waits for another session of the run.
final class PostgresConnections: ServerConnections {
    private(set) var conns: [UnsafeMutableRawPointer] = []
    private(set) var pids: [Int] = []
    let names: [String]
    let admin: UnsafeMutableRawPointer
    var waits: SessionWaits { .onServer }
    var engine: String { "postgres" }

    init(names: [String], admin: UnsafeMutableRawPointer) {
        self.names = names
        self.admin = admin
    }

    /// The next session's connection, closed by `close`.
    func add(_ conn: UnsafeMutableRawPointer) {
        conns.append(conn)
        pids.append(Int(tr_pg_backend_pid(conn)))
    }

    func send(_ session: Int, _ sql: String) throws(SessionFailure) {
        var out = tr_db_result()
        guard tr_pg_send(conns[session], sql, &out) == 0 else { throw SessionFailure(description: "postgres: \(PostgresSessions.message(out))") }
    }

    func poll(_ session: Int) throws(SessionFailure) -> SessionAnswer? {
        let r = tr_pg_ready(conns[session], 5)
        if r < 0 { throw SessionFailure(description: "postgres: the connection of \(names[session]) failed") }
        return r == 1 ? try PostgresSessions.take(conns[session]) : nil
    }

    func isBlocked(_ session: Int) throws(SessionFailure) -> Bool {
        let others = pids.enumerated().filter { $0.offset != session }.map { String($0.element) }.joined(separator: ",")
        let a = try PostgresSessions.exec(admin, "SELECT pg_catalog.pg_isolation_test_session_is_blocked(\(pids[session]), '{\(others)}')")
        return a.rows.first == "t"
    }

    /// Never asked: the server's deadlock detector rolls its victim back itself.
    func rollBack(_ session: Int) throws(SessionFailure) -> Bool {
        throw SessionFailure(description: "postgres: the runner does not end a deadlock on a server")
    }

    func close() {
        for conn in conns { tr_pg_close(conn) }
        conns = []
    }
}
