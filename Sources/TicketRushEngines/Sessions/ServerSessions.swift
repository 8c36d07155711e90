#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// One run's connections on a server, given one per session as the run opens them.
protocol ServerConnections: SessionConnections {
    /// The next session's connection, closed by `close`.
    func add(_ conn: UnsafeMutableRawPointer)
}

/// A server engine's sessions (PostgreSQL, MariaDB): each run in a fresh namespace (a schema,
/// a database) that the runner's own connection makes, fills and dumps, and one connection
/// per session at the case's isolation level; they differ only in their client and dialect.
protocol ServerSessions: SessionEngine {
    associatedtype Connections: ServerConnections
    /// The runner's own connection.
    var admin: UnsafeMutableRawPointer { get }
    var isolation: Isolation { get }
    /// Runs so far: each run's namespace is named by its number.
    var runs: Int { get set }
    /// The statements that drop, create and enter the namespace `name`.
    static func namespace(_ name: String) -> (drop: String, create: String, use: String)
    /// The statement that sets a session's isolation level.
    static func isolationStatement(_ isolation: Isolation) -> String
    /// One statement of the runner's own; its error is thrown.
    static func exec(_ conn: UnsafeMutableRawPointer, _ sql: String) throws(SessionFailure) -> SessionAnswer
    /// One statement of the runner's own; its error is its answer.
    static func query(_ conn: UnsafeMutableRawPointer, _ sql: String) throws(SessionFailure) -> SessionAnswer
    /// Every table of the namespace `name`, each row as `table: a|b`, sorted.
    static func dump(_ conn: UnsafeMutableRawPointer, _ name: String) throws(SessionFailure) -> [String]
    /// A new connection to the server.
    func connectSession() throws(SessionFailure) -> UnsafeMutableRawPointer
    /// The connections of a run of `c`, none yet.
    func connections(for c: SessionCase) -> Connections
}

extension ServerSessions {
    /// `SessionEngine.run` on a server.
    func runOnServer(_ c: SessionCase, choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) -> SessionRun {
        runs += 1
        let name = "trs_\(getpid())_\(runs)"
        let space = Self.namespace(name)
        _ = try Self.exec(admin, space.drop)
        _ = try Self.exec(admin, space.create)
        defer { _ = try? Self.exec(admin, space.drop) }
        _ = try Self.exec(admin, space.use)
        for statement in c.setup {
            let r = try Self.query(admin, statement)
            if let e = r.error { throw SessionFailure(description: "setup '\(statement)': \(errorText(state: e.state, message: e.message))") }
        }
        let conns = connections(for: c)
        // After the dump: closing a connection ends a session still waiting.
        defer { conns.close() }
        for _ in c.sessions {
            let conn = try connectSession()
            conns.add(conn)
            _ = try Self.exec(conn, space.use)
            _ = try Self.exec(conn, Self.isolationStatement(isolation))
        }
        var driver = SessionDriver(c, conns, deadline: MonotonicClock.now() + runTimeoutNs)
        try driver.play(choose: choose)
        driver.run.finalState = try Self.dump(admin, name)
        return driver.run
    }
}
