#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// A throwaway PostgreSQL cluster: initdb + postgres from the machine's installation,
/// listening only on a Unix socket, tuned for tests (fsync, synchronous_commit and
/// full_page_writes off: a crash loses the cluster, which is thrown away anyway). Run as
/// `nobody` when ticketrush runs as root, since postgres refuses root. Then `nobody` may reach
/// the socket, so the server admits by the client's uid (`peer`, mapped in files of the
/// runner's own folder given on the command line, which no file in the data folder can
/// override): root's processes only. A password would cost each buyer a SCRAM exchange
/// (PBKDF2) before the barrier, which spread the buyers' starts and hid races.
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
            let access = try owner.map { _ in try peerFiles(in: p.top) }
            let initdb = try p.spawn("\(bin)/initdb", ["-D", data, "-A", access == nil ? "trust" : "peer", "-U", "postgres",
                                                       "--no-locale", "-E", "UTF8", "--no-sync"], owner: owner)
            guard let status = p.wait(initdb, seconds: 120), status == 0 else {
                throw ServerError(description: "postgres: initdb failed in \(p.dir); its log:\n\(p.logTail())")
            }
            let pid = try p.spawn("\(bin)/postgres", [
                "-D", data, "-k", p.dir, "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=\(maxConnections)", "-c", "shared_buffers=32MB",
                "-c", "log_min_messages=warning", "-c", "deadlock_timeout=100ms",
            ] + (access.map { ["-c", "hba_file=\($0.hba)", "-c", "ident_file=\($0.ident)"] } ?? []), owner: owner)
            let conninfo = "host=\(p.dir) port=5432 user=postgres dbname=postgres"
            try awaitReady(p, pid: pid, seconds: 60) { tr_pg_ping(conninfo) == 0 }
            return EngineEndpoint(kind: .postgres, location: conninfo, isPrivate: true)
        } catch {
            stop()
            throw error
        }
    }

    /// pg_hba.conf and pg_ident.conf admitting only the runner's user (by name, as the server
    /// sees it through the socket's peer credentials) as `postgres`: made new in the runner's
    /// own folder (readable, not writable, by the server's user).
    private func peerFiles(in folder: String) throws -> (hba: String, ident: String) {
        guard let me = getpwuid(geteuid()), let name = me.pointee.pw_name.map({ String(cString: $0) }) else {
            throw ServerError(description: "postgres: this process's user \(geteuid()) has no name to admit")
        }
        let files = (hba: "\(folder)/hba.conf", ident: "\(folder)/ident.conf")
        for (path, text) in [(files.hba, "local all all peer map=runner\n"), (files.ident, "runner \(name) postgres\n")] {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ServerError(description: "postgres: cannot create \(path): \(String(cString: strerror(errno)))") }
            let written = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
            guard written == text.utf8.count else { throw ServerError(description: "postgres: cannot write \(path)") }
        }
        return files
    }

    /// SIGINT: fast shutdown (clients are disconnected, transactions rolled back).
    func stop() {
        process?.stop(signal: SIGINT)
        process = nil
    }
}
