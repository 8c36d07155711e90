#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushModel

/// A throwaway MariaDB server: mariadb-install-db, then mariadbd on a Unix socket only
/// (`--skip-networking`), tuned for tests (no doublewrite, the redo log flushed once a
/// second: a crash loses the server, which is thrown away anyway). Run as `nobody` when
/// ticketrush runs as root, in a folder of nobody's (0700) inside the runner's (0711).
/// Then `nobody` may reach the socket, so the only account is the runner's user,
/// admitted by `unix_socket` (the uid the kernel reports for the client's end): root's
/// processes only; no password (the install's `root` account has none that can match).
final class MariaDBServer: PrivateServer {
    private let maxConnections: Int
    private var process: ServerProcess?
    let summary = "MariaDB, Unix socket only, unix_socket authentication, innodb_flush_log_at_trx_commit=0 innodb_doublewrite=0 performance_schema=ON"
    /// The database the runner makes for its tables.
    static let database = "ticketrush"

    init(buyers: Int) throws { maxConnections = max(buyers + 20, 40) }

    static var installed: Bool { binaries() != nil }

    /// mariadb-install-db and mariadbd (Debian: /usr/bin and /usr/sbin, outside a user's PATH).
    static func binaries() -> (install: String, server: String)? {
        guard let install = findExecutable("mariadb-install-db", candidates: ["/usr/bin/mariadb-install-db"]),
              let server = findExecutable("mariadbd", candidates: ["/usr/sbin/mariadbd"]) else { return nil }
        return (install, server)
    }

    func start() throws -> EngineEndpoint {
        guard let bin = Self.binaries() else { throw ServerError(description: "mariadb: mariadb-install-db/mariadbd not found: \(EngineDescriptor.mariadb.installLine)") }
        var owner: (uid: Int32, gid: Int32)?
        if geteuid() == 0 {
            var uid: Int32 = 0, gid: Int32 = 0
            guard tr_user_ids("nobody", &uid, &gid) == 0 else {
                throw ServerError(description: "mariadb: the server does not run as root and there is no user 'nobody' to run it as")
            }
            owner = (uid, gid)
        }
        guard let me = getpwuid(geteuid()), let user = me.pointee.pw_name.map({ String(cString: $0) }), !user.contains("'") else {
            throw ServerError(description: "mariadb: this process's user \(geteuid()) has no name to admit")
        }
        let p = try ServerProcess(name: "mariadbd", owner: owner)
        process = p
        do {
            let data = "\(p.dir)/data", socket = "\(p.dir)/mariadb.sock"
            // Killed outright with the runner: mariadbd ignores SIGINT, and nothing in it is worth a clean shutdown.
            // Its temporary files go in its own folder: $TMPDIR may be closed to nobody (0711).
            let install = try p.spawn(bin.install, [
                "--no-defaults", "--datadir=\(data)", "--auth-root-authentication-method=socket", "--auth-root-socket-user=\(user)",
                "--skip-test-db", "--skip-name-resolve", "--tmpdir=\(p.dir)",
            ], owner: owner, deathSignal: SIGKILL)
            guard let status = try finished(p, install, seconds: 120), status == 0 else {
                throw ServerError(description: "mariadb: mariadb-install-db failed in \(p.dir); its log:\n\(p.logTail())")
            }
            let pid = try p.spawn(bin.server, [
                "--no-defaults", "--datadir=\(data)", "--socket=\(socket)", "--skip-networking", "--tmpdir=\(p.dir)", "--pid-file=\(p.dir)/mariadbd.pid",
                "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-buffer-pool-size=32M",
                "--max-connections=\(maxConnections)", "--skip-log-bin", "--log-warnings=1",
            ] + Self.performanceSchema, owner: owner, deathSignal: SIGKILL)
            let address = MariaDBAddress(user: user, socket: socket, database: "")
            try awaitReady(p, pid: pid, seconds: 60) { address.withWhere { tr_maria_ping($0) } == 0 }
            var target = EngineTarget(kind: .mariadb, location: address.url)
            target.answerWithinNs = 10_000_000_000
            let made = try MariaDBDriver.run(target, ["CREATE DATABASE IF NOT EXISTS \(Self.database)"])
            guard made.status == .ok else { throw ServerError(description: "mariadb: CREATE DATABASE \(Self.database): \(made.message)") }
            return EngineEndpoint(kind: .mariadb, location: MariaDBAddress(user: user, socket: socket, database: Self.database).url, isPrivate: true)
        } catch let e as EngineUnanswered {
            stop()
            throw ServerError(description: "mariadb: \(e.description)", signal: e.interrupted ? tr_interrupted() : nil)
        } catch {
            stop()
            throw error
        }
    }

    /// `pid`'s status once it exits (nil past `seconds`); an interrupt ends the wait at once
    /// (the installer takes seconds, and `stop` then kills it with its bootstrap server).
    private func finished(_ p: ServerProcess, _ pid: pid_t, seconds: Double) throws -> Int32? {
        let until = MonotonicClock.now() + UInt64(seconds * 1e9)
        while MonotonicClock.now() < until {
            if tr_interrupted() != 0 { throw ServerError(description: "interrupted by signal \(tr_interrupted())", signal: tr_interrupted()) }
            if let status = p.wait(pid, seconds: 0.05) { return status }
        }
        return nil
    }

    /// Which connection is whose, for control: syscalls (MariaDBBlockedWatch reads the
    /// clients' `_pid` in session_connect_attrs). Only threads and their attributes are
    /// needed: every history, digest and instance table sized 0 takes its memory from 98 MB
    /// to 27 MB (the server's RSS: 99 MB off, 195 MB on, 126 MB so; start-up unchanged).
    static let performanceSchema = ["--performance-schema=ON"] + [
        "digests-size", "max-digest-length", "max-sql-text-length", "accounts-size", "hosts-size", "users-size",
        "events-statements-history-size", "events-statements-history-long-size", "events-waits-history-size",
        "events-waits-history-long-size", "events-stages-history-size", "events-stages-history-long-size",
        "events-transactions-history-size", "events-transactions-history-long-size", "max-table-instances",
        "max-table-handles", "max-index-stat", "max-table-lock-stat", "max-file-instances", "max-mutex-instances",
        "max-rwlock-instances", "max-cond-instances", "max-socket-instances", "max-prepared-statements-instances",
        "max-program-instances", "max-metadata-locks", "max-file-handles",
    ].map { "--performance-schema-\($0)=0" }

    /// SIGTERM: a normal shutdown (clients disconnected, transactions rolled back).
    func stop() {
        process?.stop(signal: SIGTERM)
        process = nil
    }
}
