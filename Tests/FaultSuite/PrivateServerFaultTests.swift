import Foundation
import TicketRushTestSupport
import XCTest

/// Issue 19 items 2, 4 and 9 against the binary under test: no other uid connects to a
/// private server, and a runner (and postmaster) killed with SIGKILL leave nothing behind
/// once the next run has started: not the server's folder, not the work folder, not the
/// System V shared memory segment.
final class PrivateServerFaultTests: XCTestCase {
    private let pgBin = "/usr/lib/postgresql/15/bin"

    /// A short folder for TMPDIR (socket paths are limited to 107 bytes), removed at the end.
    private func shortTemporaryFolder() throws -> String {
        var template = Array("/tmp/trt.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw XCTSkip("mkdtemp failed") }
        let path = String(cString: made)
        // As /tmp is: the private server's user (nobody, under root) passes through it.
        chmod(path, 0o711)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The argument after `flag` on the command line of a descendant of `root` whose command starts with `command`.
    /// Also "flag:VALUE" in one word: redis-server's process title ("… unixsocket:PATH").
    private func argument(_ flag: String, of command: String, under root: pid_t) -> (pid: pid_t, value: String)? {
        for p in ProcessTable.descendants(of: root) {
            let words = (try? String(contentsOfFile: "/proc/\(p.pid)/cmdline", encoding: .utf8))?
                .split(whereSeparator: { $0 == "\0" || $0 == " " }).map(String.init) ?? []
            guard let first = words.first, first.hasSuffix(command) else { continue }
            if let i = words.firstIndex(of: flag), i + 1 < words.count { return (p.pid, words[i + 1]) }
            let titled = flag.drop { $0 == "-" } + ":"
            if let word = words.first(where: { $0.hasPrefix(titled) }) { return (p.pid, String(word.dropFirst(titled.count))) }
        }
        return nil
    }

    /// A slow postgres run (each buyer waits 20 s inside its purchase), started with `tmpdir`:
    /// returned once its buyers are connected, with the postmaster's pid and socket folder.
    private func liveRun(tmpdir: String, reports: String) throws -> (run: TicketRushBinary.Running, postmaster: pid_t, socketDir: String) {
        guard FileManager.default.isExecutableFile(atPath: "\(pgBin)/postgres") else { throw XCTSkip("PostgreSQL 15 is not installed") }
        let file = try TestFiles.write("name: slow\ntickets: 1\nbuyers: 2\nstorage: {kind: postgres}\ndelays: {write: 20s}\ntimeout: 60s\n",
                                       to: "slow.yaml", in: URL(fileURLWithPath: reports))
        let run = try TicketRushBinary.start(["run", file, "--reports", "\(reports)/r"], env: ["TMPDIR": tmpdir], isolate: false)
        addTeardownBlock { run.kill() }
        var found: (pid_t, String)?
        // Ready: the postmaster is up and both buyers hold a backend (the trial is running).
        XCTAssertTrue(poll(within: 60) {
            if found == nil, let pm = argument("-k", of: "postgres", under: run.pid) { found = (pm.pid, pm.value) }
            guard let (pm, _) = found else { return false }
            return ProcessTable.descendants(of: pm).filter { ProcessTable.commandLine($0.pid).contains("[local]") }.count >= 2
        }, "no postgres run came up: \(run.standardError)")
        guard let (postmaster, dir) = found else { throw XCTSkip("unreachable") }
        return (run, postmaster, dir)
    }

    /// Item 2: as root the private PostgreSQL runs as nobody; a process running as nobody
    /// (or any other uid) is refused, while the runner's own run goes on.
    func testAnotherUidCannotConnectToThePrivatePostgres() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root (the private server then runs as nobody)") }
        let tmp = try shortTemporaryFolder()
        let (run, _, dir) = try liveRun(tmpdir: tmp, reports: tmp)
        for uid in ["65534", "1"] {
            let psql = try runTool("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "\(pgBin)/psql", "-w",
                                                        "-h", dir, "-U", "postgres", "-d", "postgres", "-Atc", "SELECT 'IN'"],
                                   env: ["PGPASSWORD": "", "PGCONNECT_TIMEOUT": "10"], timeout: 30)
            XCTAssertNotEqual(psql.status, 0, "uid \(uid) connected: \(psql.stdout)")
            XCTAssertFalse(psql.stdout.contains("IN"), psql.stdout)
            // nobody reaches the socket (its folder is nobody's): authentication is what stops it.
            if uid == "65534" { XCTAssertTrue(psql.stderr.contains("authentication failed"), psql.stderr) }
        }
        run.process.signal(SIGTERM)
        _ = try? run.finish(timeout: 60)
    }

    /// Item 2, Redis: its socket is in the runner's own 0700 folder, so no other uid reaches it.
    func testAnotherUidCannotConnectToThePrivateRedis() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root (to act as another uid)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-cli") else { throw XCTSkip("redis-cli is not installed") }
        let tmp = try shortTemporaryFolder()
        let file = try TestFiles.write("name: slow\ntickets: 1\nbuyers: 2\nstorage: {kind: redis}\ndelays: {write: 20s}\ntimeout: 60s\n",
                                       to: "slow.yaml", in: URL(fileURLWithPath: tmp))
        let run = try TicketRushBinary.start(["run", file, "--reports", "\(tmp)/r"], env: ["TMPDIR": tmp], isolate: false)
        addTeardownBlock { run.kill() }
        var socket = ""
        // Found before redis-server rewrites its command line (its process title).
        XCTAssertTrue(poll(within: 60) {
            if socket.isEmpty, let s = argument("--unixsocket", of: "redis-server", under: run.pid) { socket = s.value }
            return !socket.isEmpty && FileManager.default.fileExists(atPath: socket)
        }, run.standardError)
        let me = try runTool("/usr/bin/redis-cli", ["-s", socket, "PING"], timeout: 30)
        XCTAssertTrue(me.stdout.contains("PONG"), "the runner's own uid must reach it: \(me)")
        let other = try runTool("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/redis-cli", "-s", socket, "PING"], timeout: 30)
        XCTAssertFalse(other.stdout.contains("PONG"), "uid 65534 reached the private redis: \(other)")
        run.process.signal(SIGTERM)
        _ = try? run.finish(timeout: 60)
    }

    /// The System V segments (key, id) listed in /proc/sysvipc/shm.
    private func sharedMemoryIds() -> Set<String> {
        let text = (try? String(contentsOfFile: "/proc/sysvipc/shm", encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
    }

    /// Items 4 and 9: SIGKILL the runner and its postmaster mid-run: the server's folder (in
    /// TMPDIR), the work folder and the shared memory segment stay; the next run removes them.
    func testTheNextRunSweepsWhatAKilledRunLeft() throws {
        let tmp = try shortTemporaryFolder()
        let reports = try shortTemporaryFolder()
        let (run, postmaster, dir) = try liveRun(tmpdir: tmp, reports: reports)
        XCTAssertTrue(dir.hasPrefix(tmp + "/"), "the server's folder \(dir) ignores TMPDIR \(tmp)")
        let pidFile = (try? String(contentsOfFile: "\(dir)/pg/postmaster.pid", encoding: .utf8)) ?? ""
        let shmLine = pidFile.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(6).first ?? ""
        let shmid = shmLine.split(separator: " ").last.map(String.init) ?? "?"
        XCTAssertTrue(sharedMemoryIds().contains(shmid), "postmaster.pid line 7 \(shmLine) names no live segment")
        kill(run.pid, SIGKILL)
        kill(postmaster, SIGKILL)
        XCTAssertTrue(poll(within: 30) { ProcessTable.descendants(of: postmaster).isEmpty && kill(postmaster, 0) != 0 })
        _ = run.process.wait(30)
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp)
        XCTAssertTrue(left.contains { $0.hasPrefix("ticketrush.") } && left.contains { $0.hasPrefix("trdb.") }, "\(left)")
        // The unattached segment was once gone here already, with other PostgreSQL servers
        // starting in parallel (who removed it is not known): then only the folders are ours
        // to prove.
        let segmentLeft = sharedMemoryIds().contains(shmid)
        // Any later run (a JSON one) sweeps them.
        let file = try TestFiles.write("name: j\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\n", to: "j.yaml", in: URL(fileURLWithPath: reports))
        let next = try TicketRushBinary.run(["run", file, "--reports", "\(reports)/r2"], env: ["TMPDIR": tmp])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [], "left in TMPDIR after the next run")
        if segmentLeft {
            XCTAssertFalse(sharedMemoryIds().contains(shmid), "shared memory segment \(shmid) of the killed postmaster is still there")
        }
    }

    /// Item 14: a `url` run killed with SIGKILL leaves its table in the given server; the
    /// next run against that server drops it (its maker is gone), and only it.
    func testTheNextURLRunDropsAKilledRunsTable() throws {
        guard FileManager.default.isExecutableFile(atPath: "\(pgBin)/postgres") else { throw XCTSkip("PostgreSQL 15 is not installed") }
        let dir = try shortTemporaryFolder()
        let reports = try shortTemporaryFolder()
        // The test's own server (as nobody under root: postgres refuses root), trust on its socket.
        let asServer = geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        if geteuid() == 0 { chown(dir, 65534, 65534) }
        chmod(dir, 0o700)
        func tool(_ name: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let argv = asServer + ["\(pgBin)/\(name)"] + args
            return try runTool(argv[0], Array(argv.dropFirst()), timeout: 120)
        }
        let initdb = try tool("initdb", ["-D", "\(dir)/pg", "-A", "trust", "-U", "postgres", "--no-sync", "--no-locale"])
        XCTAssertEqual(initdb.status, 0, initdb.stderr)
        let argv = asServer + ["\(pgBin)/postgres", "-D", "\(dir)/pg", "-k", dir, "-c", "listen_addresses="]
        let server = try Spawned(argv[0], Array(argv.dropFirst()), dir: URL(fileURLWithPath: reports), outputIn: URL(fileURLWithPath: reports))
        addTeardownBlock {
            kill(server.pid, SIGINT)
            _ = server.wait(30)
        }
        XCTAssertTrue(poll(within: 60) { ((try? tool("pg_isready", ["-h", dir]))?.status ?? 1) == 0 }, server.standardError)
        func tables() throws -> String {
            try tool("psql", ["-h", dir, "-U", "postgres", "-d", "postgres", "-Atc",
                              "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'ticketrush%'"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let url = "postgresql://postgres@/postgres?host=\(dir)"
        let slow = try TestFiles.write("name: slow\ntickets: 1\nbuyers: 2\nstorage: {kind: postgres, url: \"\(url)\"}\ndelays: {write: 20s}\ntimeout: 60s\n",
                                       to: "slow.yaml", in: URL(fileURLWithPath: reports))
        let run = try TicketRushBinary.start(["run", slow, "--reports", "\(reports)/r"])
        addTeardownBlock { run.kill() }
        XCTAssertTrue(poll(within: 60) { (try? tables()) == "1" }, run.standardError)
        kill(run.pid, SIGKILL)
        _ = run.process.wait(30)
        XCTAssertTrue(poll(within: 30) { ProcessTable.marked(run.process.marker).isEmpty })
        XCTAssertEqual(try tables(), "1", "the killed run's table")
        let quick = try TestFiles.write("name: quick\ntickets: 1\nbuyers: 2\nstorage: {kind: postgres, url: \"\(url)\"}\nlock: atomic\n",
                                        to: "quick.yaml", in: URL(fileURLWithPath: reports))
        let next = try TicketRushBinary.run(["run", quick, "--reports", "\(reports)/r2"])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(try tables(), "0", "a killed run's table outlived the next run against the same server")
    }

    /// Item 14 on Redis: a killed `url` run's keys go at the next run against that server.
    func testTheNextURLRunDeletesAKilledRunsRedisKeys() throws {
        guard let server = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: FileManager.default.isExecutableFile(atPath:)),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-cli") else { throw XCTSkip("redis-server is not installed") }
        let dir = try shortTemporaryFolder()
        let socket = "\(dir)/r.sock"
        let redis = try Spawned(server, ["--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir", dir],
                                dir: URL(fileURLWithPath: dir))
        addTeardownBlock {
            kill(redis.pid, SIGTERM)
            _ = redis.wait(30)
        }
        func keys() throws -> [String] {
            try runTool("/usr/bin/redis-cli", ["-s", socket, "--scan", "--pattern", "ticketrush:*"]).stdout.split(separator: "\n").map(String.init)
        }
        XCTAssertTrue(poll(within: 30) { ((try? runTool("/usr/bin/redis-cli", ["-s", socket, "PING"]))?.stdout ?? "").contains("PONG") })
        let url = "unix://\(socket)"
        let slow = try TestFiles.write("name: slow\ntickets: 1\nbuyers: 2\nstorage: {kind: redis, url: \"\(url)\"}\ndelays: {write: 20s}\ntimeout: 60s\n",
                                       to: "slow.yaml", in: URL(fileURLWithPath: dir))
        let run = try TicketRushBinary.start(["run", slow, "--reports", "\(dir)/r"])
        addTeardownBlock { run.kill() }
        XCTAssertTrue(poll(within: 60) { !((try? keys()) ?? []).isEmpty }, run.standardError)
        kill(run.pid, SIGKILL)
        _ = run.process.wait(30)
        XCTAssertTrue(poll(within: 30) { ProcessTable.marked(run.process.marker).isEmpty })
        XCTAssertFalse(try keys().isEmpty, "the killed run's key")
        let quick = try TestFiles.write("name: quick\ntickets: 1\nbuyers: 2\nstorage: {kind: redis, url: \"\(url)\"}\nlock: atomic\n",
                                        to: "quick.yaml", in: URL(fileURLWithPath: dir))
        let next = try TicketRushBinary.run(["run", quick, "--reports", "\(dir)/r2"])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(try keys(), [], "a killed run's keys outlived the next run against the same server")
    }

    /// Item 9: a postmaster killed mid-run leaves its segment; the run's teardown removes it.
    func testTeardownRemovesTheSegmentOfAKilledPostmaster() throws {
        let tmp = try shortTemporaryFolder()
        let (run, postmaster, dir) = try liveRun(tmpdir: tmp, reports: tmp)
        let pidFile = (try? String(contentsOfFile: "\(dir)/pg/postmaster.pid", encoding: .utf8)) ?? ""
        let shmid = pidFile.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(6).first?.split(separator: " ").last.map(String.init) ?? "?"
        XCTAssertTrue(sharedMemoryIds().contains(shmid), pidFile)
        kill(postmaster, SIGKILL)
        run.process.signal(SIGTERM)
        let r = try run.finish(timeout: 120)
        XCTAssertEqual(r.status, 130, r.stdout + r.stderr)
        XCTAssertFalse(sharedMemoryIds().contains(shmid), "shared memory segment \(shmid) of the killed postmaster outlived the run")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix("trdb.") }, [])
    }
}
