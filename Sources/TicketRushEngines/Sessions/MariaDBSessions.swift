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
package final class MariaDBSessions: ServerSessions {
    private let address: MariaDBAddress
    let isolation: Isolation
    let admin: UnsafeMutableRawPointer
    var runs = 0
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
        try runOnServer(c, choose: choose)
    }

    static func namespace(_ name: String) -> (drop: String, create: String, use: String) {
        ("DROP DATABASE IF EXISTS \(name)", "CREATE DATABASE \(name)", "USE \(name)")
    }

    static func isolationStatement(_ isolation: Isolation) -> String { "SET SESSION TRANSACTION ISOLATION LEVEL \(isolation.sql)" }

    func connectSession() throws(SessionFailure) -> UnsafeMutableRawPointer { try Self.connect(address) }

    func connections(for c: SessionCase) -> MariaDBConnections { MariaDBConnections(admin: admin) }

    static func dump(_ conn: UnsafeMutableRawPointer, _ db: String) throws(SessionFailure) -> [String] {
        let tables = try exec(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = '\(db)' ORDER BY 1").rows
        var out: [String] = []
        for t in tables { out += try exec(conn, "SELECT * FROM \(db).`\(t)`").rows.map { "\(t): \($0)" } }
        return out.sorted()
    }

    typealias Answer = SessionAnswer

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

/// One run's connections on MariaDB: a step is sent without waiting (the statement in flight
/// is kept until taken), and is blocked when InnoDB lists its thread in LOCK WAIT.
final class MariaDBConnections: ServerConnections {
    private(set) var conns: [UnsafeMutableRawPointer] = []
    private(set) var ids: [UInt] = []
    /// The statement each session has sent and not yet taken.
    var inFlight: [Int: UnsafeMutableRawPointer] = [:]
    let admin: UnsafeMutableRawPointer
    var waits: SessionWaits { .onServer }
    var engine: String { "mariadb" }

    init(admin: UnsafeMutableRawPointer) { self.admin = admin }

    /// The next session's connection, closed by `close`.
    func add(_ conn: UnsafeMutableRawPointer) {
        conns.append(conn)
        ids.append(UInt(tr_maria_thread_id(conn)))
    }

    func send(_ session: Int, _ sql: String) throws(SessionFailure) {
        var out = tr_db_result()
        guard let sent = tr_mars_send(conns[session], sql, &out) else { throw SessionFailure(description: "mariadb: \(MariaDBSessions.message(out))") }
        inFlight[session] = sent
    }

    func poll(_ session: Int) throws(SessionFailure) -> SessionAnswer? {
        guard let sent = inFlight[session], tr_mars_ready(sent, 5) == 1 else { return nil }
        inFlight[session] = nil
        return try MariaDBSessions.take(sent)
    }

    /// The server's word: this session's transaction waits for a lock (InnoDB's own
    /// transaction list, `LOCK WAIT` above its `MariaDB thread id`). Not information_schema's
    /// INNODB_LOCK_WAITS: InnoDB refreshes those tables only after 0.1 s without a read
    /// (trx0i_s.cc, CACHE_MIN_IDLE_TIME_US), so a runner asking every few ms would read one
    /// stale copy forever; SHOW ENGINE INNODB STATUS is built under the lock system's mutex
    /// each time, and a commit has freed its waiters before its reply arrives.
    func isBlocked(_ session: Int) throws(SessionFailure) -> Bool {
        let status = try MariaDBSessions.exec(admin, "SHOW ENGINE INNODB STATUS").rows.joined(separator: "\n")
        return MariaDBSessions.waiting(status).contains(ids[session])
    }

    /// Never asked: InnoDB's deadlock detector rolls its victim back itself.
    func rollBack(_ session: Int) throws(SessionFailure) -> Bool {
        throw SessionFailure(description: "mariadb: the runner does not end a deadlock on a server")
    }

    func close() {
        for step in inFlight.values { tr_mars_drop(step) }
        inFlight = [:]
        for conn in conns { tr_maria_close(conn) }
        conns = []
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
