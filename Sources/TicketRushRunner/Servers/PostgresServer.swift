#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel
import TicketRushChild

/// A throwaway PostgreSQL cluster: initdb + postgres from the machine's installation,
/// listening only on a Unix socket, tuned for tests (fsync, synchronous_commit and
/// full_page_writes off: a crash loses the cluster, which is thrown away anyway). Run as
/// `nobody` when ticketrush runs as root, since postgres refuses root. Clients authenticate
/// with SCRAM and a random password made for this server: the server's user may reach the
/// socket, yet no process of it (another `nobody`) connects without the runner's password.
final class PostgresServer: PrivateServer {
    private let maxConnections: Int
    private var process: ServerProcess?
    let summary = "PostgreSQL, Unix socket only, fsync=off synchronous_commit=off full_page_writes=off"

    init(maxConnections: Int) throws {
        self.maxConnections = max(maxConnections, 40)
    }

    /// Room for every buyer's connection and the runner's.
    convenience init(buyers: Int) throws { try self.init(maxConnections: buyers + 20) }

    static var installed: Bool { binaries() != nil }

    /// The folder holding initdb and postgres: $TICKETRUSH_PG_BINDIR, the Debian layout
    /// (/usr/lib/postgresql/N/bin, newest first), or PATH.
    static func binaries() -> String? {
        if let dir = getenv("TICKETRUSH_PG_BINDIR").map({ String(cString: $0) }), access("\(dir)/postgres", X_OK) == 0 { return dir }
        var versions: [Int] = []
        if let d = opendir("/usr/lib/postgresql") {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if let v = Int(name) { versions.append(v) }
            }
            closedir(d)
        }
        for v in versions.sorted(by: >) where access("/usr/lib/postgresql/\(v)/bin/initdb", X_OK) == 0 {
            return "/usr/lib/postgresql/\(v)/bin"
        }
        if let p = findExecutable("initdb"), findExecutable("postgres") != nil {
            return String(p[..<(p.lastIndex(of: "/") ?? p.endIndex)])
        }
        return nil
    }

    func start() throws -> EngineEndpoint {
        guard let bin = Self.binaries() else { throw ServerError(description: "postgres: initdb/postgres not found: \(EngineDescriptor.postgres.installLine)") }
        var owner: (uid: Int32, gid: Int32)?
        if geteuid() == 0 {
            var uid: Int32 = 0, gid: Int32 = 0
            guard tr_user_ids("nobody", &uid, &gid) == 0 else {
                throw ServerError(description: "postgres refuses to run as root and there is no user 'nobody' to run it as")
            }
            owner = (uid, gid)
        }
        let p = try ServerProcess(name: "postgres", owner: owner)
        process = p
        do {
            let data = "\(p.dir)/pg"
            let password = try Self.randomPassword()
            // The password reaches initdb on a pipe (/dev/stdin), never in a file or an argument.
            let initdb = try p.spawn("\(bin)/initdb", ["-D", data, "-A", "scram-sha-256", "--pwfile=/dev/stdin", "-U", "postgres",
                                                       "--no-locale", "-E", "UTF8", "--no-sync"], owner: owner, input: Array((password + "\n").utf8))
            guard let status = p.wait(initdb, seconds: 120), status == 0 else {
                throw ServerError(description: "postgres: initdb failed in \(p.dir); its log:\n\(p.logTail())")
            }
            let pid = try p.spawn("\(bin)/postgres", [
                "-D", data, "-k", p.dir, "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=\(maxConnections)", "-c", "shared_buffers=32MB",
                "-c", "log_min_messages=warning", "-c", "deadlock_timeout=100ms",
            ], owner: owner)
            let conninfo = "host=\(p.dir) port=5432 user=postgres dbname=postgres"
            try awaitReady(p, pid: pid, seconds: 60) { tr_pg_ping(conninfo) == 0 }
            return EngineEndpoint(kind: .postgres, location: conninfo, password: password, isPrivate: true)
        } catch {
            stop()
            throw error
        }
    }

    /// 32 hex digits from the kernel's random source.
    static func randomPassword() throws -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        guard fd >= 0, read(fd, &bytes, bytes.count) == bytes.count else {
            throw ServerError(description: "postgres: /dev/urandom: \(String(cString: strerror(errno)))")
        }
        return bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// SIGINT: fast shutdown (clients are disconnected, transactions rolled back).
    func stop() {
        process?.stop(signal: SIGINT)
        process = nil
    }
}
