import Foundation
import TicketRushTestSupport
import XCTest

/// The private MariaDB server's faults, as the PostgreSQL and Redis ones: killed (kill -9)
/// or stopped mid-run, the run ends by itself with the server's message, a next step and
/// exit 1, and SIGINT ends it at once; no other uid connects; a runner killed outright
/// takes its server down, and the next run removes its folder. Nothing outlives a run.
final class MariaDBFaultTests: XCTestCase {
    private static let timeout = 3.0

    private func requireMariaDB() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/mariadbd"),
              FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libmariadb.so.3") else {
            throw XCTSkip("mariadb-server or libmariadb-dev is not installed")
        }
    }

    /// A run of `trials` trials on a private MariaDB, returned once trial 1 is under way
    /// with the mariadbd process the runner started.
    private func startRun(trials: Int, delays: String, in tmp: URL, env: [String: String] = [:]) throws -> (FaultCLI.Running, pid_t, URL) {
        try requireMariaDB()
        let file = try FaultCLI.write("""
            name: killed
            tickets: 1
            buyers: 2
            storage: {kind: mariadb}
            lock: atomic
            delays: \(delays)
            timeout: \(Int(Self.timeout))s
            trials: \(trials)
            seed: 1
            """, to: "k.yaml", in: tmp)
        let work = tmp.appendingPathComponent("work"), reports = tmp.appendingPathComponent("reports")
        let running = try TicketRushBinary.start(["run", file, "--work", work.path, "--reports", reports.path], env: env)
        addTeardownBlock { running.kill() }
        var server: pid_t?
        let ready = poll(within: 90) {
            server = ProcessTable.snapshot().values.first { $0.ppid == running.pid && ProcessTable.commandLine($0.pid).contains("mariadbd") }?.pid
            return (server != nil && FileManager.default.fileExists(atPath: work.appendingPathComponent("killed/trial-1").path)) || !running.isRunning
        }
        guard ready, running.isRunning, let server else {
            let r = try running.finish()
            XCTFail("the run never reached its trial (exit \(r.status)): \(r.stdout)\(r.stderr)")
            throw XCTSkip("not ready")
        }
        return (running, server, reports)
    }

    /// kill -9 of mariadbd in trial 1 of 3: every later trial fails at once with the
    /// client's message (the socket is gone); the run exits 1, says what happened and what
    /// to do, and leaves no process (finish() checks every marked process is gone).
    func testAKilledMariaDBServerEndsTheRunWithItsMessage() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let (running, server, reports) = try startRun(trials: 3, delays: "{search: 1s}", in: tmp)
        let killed = Date()
        kill(server, SIGKILL)
        let r = try running.finish(timeout: 3 * Self.timeout + 30)
        XCTAssertLessThan(Date().timeIntervalSince(killed), 3 * Self.timeout + 30)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains("PASS"), r.stdout)
        // 2002 can't connect, 2006 gone away, 2013 lost: a statement's error or a buyer's
        // connect error (a kill during the buyers' handshake), each with its number.
        XCTAssertTrue(r.stdout.contains("MariaDB error 20"), r.stdout)
        XCTAssertTrue(r.stdout.contains("next: if the run's private mariadb server was stopped, killed"), r.stdout)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("MariaDB error 20"), junit)
    }

    /// SIGSTOP of the server mid-trial: the runner's bounded calls (non-blocking
    /// libmariadb) give up at the trial's timeout; exit 1 naming the server, never a hang.
    func testAStalledMariaDBServerIsAnErrorNotAHang() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let (running, server, reports) = try startRun(trials: 1, delays: "{search: 1s}", in: tmp)
        let tree = [server] + ProcessTable.descendants(of: server).map(\.pid)
        for pid in tree { kill(pid, SIGSTOP) }
        addTeardownBlock { for pid in tree { kill(pid, SIGCONT) } }
        let stopped = Date()
        let r = try running.finish(timeout: 2 * Self.timeout + 20)
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 2 * Self.timeout + 20)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("the MariaDB server at mariadb://"), r.stdout)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("did not answer within \(Int(Self.timeout))s"), junit)
    }

    /// SIGINT while the server is stopped: exit 130 within 2 s.
    func testSIGINTEndsARunWaitingOnAStalledMariaDBServer() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let (running, server, _) = try startRun(trials: 1, delays: "{search: 1s}", in: tmp)
        let tree = [server] + ProcessTable.descendants(of: server).map(\.pid)
        for pid in tree { kill(pid, SIGSTOP) }
        addTeardownBlock { for pid in tree { kill(pid, SIGCONT) } }
        let sent = Date()
        running.process.signal(SIGINT)
        let r = try running.finish(timeout: 15)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 3)
        XCTAssertEqual(r.status, 130, r.stdout + r.stderr)
    }

    /// As root the server runs as nobody; nobody and uid 1 are refused by the mariadb
    /// client (unix_socket: no account of theirs), while the runner's run goes on.
    func testAnotherUidCannotConnectToThePrivateMariaDB() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root (the private server then runs as nobody)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mariadb") else { throw XCTSkip("the mariadb client is not installed") }
        let tmp = try FaultCLI.temporaryFolder(self)
        let (running, server, _) = try startRun(trials: 1, delays: "{search: 1s, write: 20s}", in: tmp)
        let words = ProcessTable.commandLine(server).split(whereSeparator: { $0 == "\0" || $0 == " " })
        guard let socket = words.first(where: { $0.hasPrefix("--socket=") })?.dropFirst("--socket=".count).description else {
            return XCTFail("no --socket in \(words)")
        }
        let mine = try runTool("/usr/bin/mariadb", ["--no-defaults", "-S", socket, "-u", "root", "-Nse", "SELECT 'IN'"], timeout: 30)
        XCTAssertTrue(mine.stdout.contains("IN"), "the runner's uid must connect: \(mine)")
        for uid in ["65534", "1"] {
            for user in ["root", "nobody", "daemon"] {
                let other = try runTool("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/mariadb", "--no-defaults",
                                                            "-S", socket, "-u", user, "-Nse", "SELECT 'IN'"], timeout: 30)
                XCTAssertNotEqual(other.status, 0, "uid \(uid) as \(user) connected: \(other.stdout)")
                XCTAssertFalse(other.stdout.contains("IN"), other.stdout)
                // nobody reaches the socket (its folder is nobody's): authentication is what stops it.
                if uid == "65534" { XCTAssertTrue(other.stderr.contains("Access denied"), other.stderr) }
            }
        }
        running.process.signal(SIGTERM)
        _ = try? running.finish(timeout: 60)
    }

    /// SIGKILL of the runner: mariadbd dies with it (its parent-death signal is SIGKILL,
    /// since it ignores SIGINT); the next run removes the server's folder from TMPDIR.
    func testAKilledRunnerTakesItsMariaDBDownAndTheNextRunSweeps() throws {
        var template = Array("/tmp/trm.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw XCTSkip("mkdtemp failed") }
        let short = String(cString: made)
        chmod(short, 0o711)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: short) }
        let tmp = try FaultCLI.temporaryFolder(self)
        let (running, server, _) = try startRun(trials: 1, delays: "{search: 1s, write: 20s}", in: tmp, env: ["TMPDIR": short])
        XCTAssertTrue(ProcessTable.commandLine(server).contains("--datadir=\(short)/trdb."), ProcessTable.commandLine(server))
        kill(running.pid, SIGKILL)
        _ = running.process.wait(30)  // reaped: a zombie's /proc entry would still name it as the folder's maker
        XCTAssertTrue(poll(within: 30) { kill(server, 0) != 0 }, "mariadbd \(server) outlived its runner")
        XCTAssertTrue(poll(within: 30) { ProcessTable.marked(running.process.marker).filter { $0.pid != running.pid }.isEmpty })
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: short).contains { $0.hasPrefix("trdb.") })
        let file = try FaultCLI.write("name: j\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\n", to: "j.yaml", in: tmp)
        let next = try TicketRushBinary.run(["run", file, "--reports", "\(tmp.path)/r2"], env: ["TMPDIR": short])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: short).filter { $0.hasPrefix("trdb.") }, [], "left in TMPDIR after the next run")
    }

    /// A given server (`url` with `?socket=`): a run killed with SIGKILL leaves its table;
    /// the next run against that server drops it (its maker is gone), and nothing else.
    func testTheNextURLRunDropsAKilledRunsMariaDBTable() throws {
        try requireMariaDB()
        var template = Array("/tmp/trg.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw XCTSkip("mkdtemp failed") }
        let dir = String(cString: made)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        // The test's own server, as nobody under root (mariadbd refuses root), the test's uid admitted by unix_socket.
        let asServer = geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        if geteuid() == 0 { chown(dir, 65534, 65534) }
        let me = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        let install = asServer + ["/usr/bin/mariadb-install-db", "--no-defaults", "--datadir=\(dir)/data", "--tmpdir=\(dir)",
                                  "--auth-root-authentication-method=socket", "--auth-root-socket-user=\(me)", "--skip-test-db"]
        let made1 = try runTool(install[0], Array(install.dropFirst()), timeout: 120)
        XCTAssertEqual(made1.status, 0, made1.stdout + made1.stderr)
        let socket = "\(dir)/m.sock"
        let argv = asServer + ["/usr/sbin/mariadbd", "--no-defaults", "--datadir=\(dir)/data", "--socket=\(socket)", "--skip-networking", "--tmpdir=\(dir)"]
        let server = try Spawned(argv[0], Array(argv.dropFirst()), dir: URL(fileURLWithPath: dir))
        addTeardownBlock {
            kill(server.pid, SIGTERM)
            _ = server.wait(30)
        }
        func sql(_ text: String) throws -> (status: Int32, stdout: String, stderr: String) {
            try runTool("/usr/bin/mariadb", ["--no-defaults", "-S", socket, "-u", me, "-Nse", text], timeout: 30)
        }
        XCTAssertTrue(poll(within: 60) { ((try? sql("SELECT 1"))?.status ?? 1) == 0 }, server.standardError)
        XCTAssertEqual(try sql("CREATE DATABASE scratch; CREATE TABLE scratch.keepme (id INT)").status, 0)
        func tables() throws -> String {
            try sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'scratch' AND table_name LIKE 'ticketrush%'")
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let url = "mariadb://\(me)@localhost/scratch?socket=\(socket)"
        let tmp = try FaultCLI.temporaryFolder(self)
        let slow = try FaultCLI.write("name: slow\ntickets: 1\nbuyers: 2\nstorage: {kind: mariadb, url: \"\(url)\"}\ndelays: {write: 20s}\ntimeout: 60s\n",
                                      to: "slow.yaml", in: tmp)
        let run = try TicketRushBinary.start(["run", slow, "--reports", "\(tmp.path)/r"])
        addTeardownBlock { run.kill() }
        XCTAssertTrue(poll(within: 60) { (try? tables()) == "1" }, run.standardError)
        kill(run.pid, SIGKILL)
        _ = run.process.wait(30)
        XCTAssertTrue(poll(within: 30) { ProcessTable.marked(run.process.marker).filter { $0.pid != run.pid }.isEmpty })
        XCTAssertEqual(try tables(), "1", "the killed run's table")
        let quick = try FaultCLI.write("name: quick\ntickets: 1\nbuyers: 2\nstorage: {kind: mariadb, url: \"\(url)\"}\nlock: atomic\n",
                                       to: "quick.yaml", in: tmp)
        let next = try TicketRushBinary.run(["run", quick, "--reports", "\(tmp.path)/r2"])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(try tables(), "0", "a killed run's table outlived the next run against the same server")
        XCTAssertEqual(try sql("SELECT COUNT(*) FROM scratch.keepme").status, 0, "a table not ticketrush's was dropped")
    }
}

/// An interrupt while the private server is being made (mariadb-install-db takes seconds).
final class MariaDBStartInterruptTests: XCTestCase {
    /// SIGINT while mariadb-install-db runs: exit 130 at once, the installer and its
    /// bootstrap server gone, the server's folder removed.
    func testAnInterruptWhileMariaDBInstallsExits130AtOnce() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mariadb-install-db") else { throw XCTSkip("mariadb-server is not installed") }
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("name: i\ntickets: 1\nbuyers: 2\nstorage: {kind: mariadb}\n", to: "i.yaml", in: tmp)
        let running = try TicketRushBinary.start(["run", file])
        addTeardownBlock { running.kill() }
        var folder: String?
        let installing = poll(within: 60) {
            guard let p = ProcessTable.snapshot().values.first(where: { $0.ppid == running.pid && ProcessTable.commandLine($0.pid).contains("mariadb-install-db") })
            else { return !running.isRunning }
            let words = ProcessTable.commandLine(p.pid).split(whereSeparator: { $0 == "\0" || $0 == " " })
            folder = words.first { $0.hasPrefix("--datadir=") }.map { String($0.dropFirst("--datadir=".count)) }
            return true
        }
        XCTAssertTrue(installing && running.isRunning, "mariadb-install-db never ran: \(running.standardError)")
        let sent = Date()
        running.process.signal(SIGINT)
        let r = try running.finish(timeout: 30)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 2.0, "the interrupt waited for the installer")
        XCTAssertEqual(r.status, 130, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("interrupted by signal 2"), r.stderr)
        if let folder {
            let top = ((folder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            XCTAssertFalse(FileManager.default.fileExists(atPath: top), "\(top) outlived the run")
        }
    }
}
