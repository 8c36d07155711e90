import Foundation
import TicketRushTestSupport
import XCTest

/// Issue 19 item 1: a private server that stops answering mid-run (SIGSTOP of the server and
/// every process it started) hung the runner for ever in poll()/read(), deaf to SIGINT.
/// Now every call the runner makes to a server is bounded: the run ends by itself with an
/// error naming the server, and SIGINT ends it at once with exit 130.
final class StalledServerFaultTests: XCTestCase {
    private static let timeout = 3.0

    func testAStalledPostgresServerIsAnErrorNotAHang() throws { try stalledServerEndsTheRun("postgres") }
    func testAStalledRedisServerIsAnErrorNotAHang() throws { try stalledServerEndsTheRun("redis") }
    func testSIGINTEndsARunWaitingOnAStalledPostgresServer() throws { try interruptEndsTheRun("postgres") }
    func testSIGINTEndsARunWaitingOnAStalledRedisServer() throws { try interruptEndsTheRun("redis") }

    /// The run ends within the trial's timeout, the final read's bound and some slack, with
    /// an error testcase that names the server; never a pass.
    private func stalledServerEndsTheRun(_ engine: String) throws {
        let (running, reports, stoppedAt) = try startAndStall(engine)
        let bound = 2 * Self.timeout + 15
        let r = try running.finish(timeout: bound - Date().timeIntervalSince(stoppedAt))
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains("PASS"), r.stdout)
        let name = engine == "postgres" ? "PostgreSQL" : "Redis"
        XCTAssertTrue(r.stdout.contains("the \(name) server at"), r.stdout)
        // What happened and what to do next, not a pass of anything (issue 23).
        XCTAssertTrue(r.stdout.contains("next: if the run's private \(engine) server was stopped"), r.stdout)
        XCTAssertFalse(r.stdout.contains("never violated"), r.stdout)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("<error message=\"") && junit.contains("did not answer within \(Int(Self.timeout))s"), junit)
        XCTAssertFalse(junit.contains("never violated"), junit)
    }

    /// SIGINT while the server is stalled: exit 130 within 2 s, an incomplete report.
    private func interruptEndsTheRun(_ engine: String) throws {
        let (running, reports, _) = try startAndStall(engine)
        let sent = Date()
        running.process.signal(SIGINT)
        let r = try running.finish(timeout: 2)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 2)
        XCTAssertEqual(r.status, 130, r.stdout + r.stderr)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("RunIncomplete") && junit.contains("interrupted by signal \(SIGINT)"), junit)
    }

    /// Starts a run of one `engine` trial on a private server and, once the trial's folder
    /// exists (the server is up and the trial under way), stops the server and everything
    /// it started. They are resumed and killed when the test ends.
    private func startAndStall(_ engine: String) throws -> (FaultCLI.Running, URL, Date) {
        try requireEngine(engine)
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("""
            name: stalled
            tickets: 1
            buyers: 2
            storage: {kind: \(engine)}
            lock: atomic
            delays: {search: 1s}
            timeout: \(Int(Self.timeout))s
            trials: 1
            seed: 1
            """, to: "s.yaml", in: tmp)
        let work = tmp.appendingPathComponent("work"), reports = tmp.appendingPathComponent("reports")
        let running = try FaultCLI.start(["run", file, "--work", work.path, "--reports", reports.path], self)
        let binary = engine == "postgres" ? "postgres" : "redis-server"
        var server: pid_t?
        let ready = poll(within: 90) {
            server = ProcessTable.snapshot().values.first { $0.ppid == running.pid && ProcessTable.commandLine($0.pid).contains(binary) }?.pid
            return (server != nil && FileManager.default.fileExists(atPath: work.appendingPathComponent("stalled/trial-1").path)) || !running.isRunning
        }
        guard ready, running.isRunning, let server else {
            let r = try running.finish()
            XCTFail("the run never reached its trial (exit \(r.status)): \(r.stdout)\(r.stderr)")
            throw NotReady()
        }
        let tree = [server] + ProcessTable.descendants(of: server).map(\.pid)
        for pid in tree { kill(pid, SIGSTOP) }
        addTeardownBlock { for pid in tree { kill(pid, SIGCONT) } }
        return (running, reports, Date())
    }

    /// A session case (docs/isolation.md) whose private server stops while a step runs: the
    /// runner's question whether the step is blocked never gets an answer, and SIGINT still
    /// ends the run at once (it waited for ever before, deaf to SIGINT).
    func testSIGINTEndsASessionCaseWaitingOnAStalledServer() throws {
        try requireEngine("postgres")
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("""
            name: stalled-sessions
            storage: {kind: postgres}
            setup: ["create table test (id int primary key, value int)", "insert into test values (1, 10)"]
            sessions:
              T1: [begin, "select pg_sleep(60)", commit]
              T2: [begin, "select * from test", commit]
            permutations: [[T1.1, T1.2, T2.1, T2.2, T1.3, T2.3]]
            """, to: "s.yaml", in: tmp)
        let reports = tmp.appendingPathComponent("reports")
        let running = try FaultCLI.start(["run", file, "--reports", reports.path], self)
        var server: pid_t?
        // The step runs: a backend of the run's server shows it in its process title.
        let ready = poll(within: 90) {
            server = ProcessTable.snapshot().values.first { $0.ppid == running.pid && ProcessTable.commandLine($0.pid).contains("postgres") }?.pid
            let sleeping = server.map { ProcessTable.descendants(of: $0).contains { ProcessTable.commandLine($0.pid).contains("SELECT") } } ?? false
            return sleeping || !running.isRunning
        }
        guard ready, running.isRunning, let server else {
            let r = try running.finish()
            return XCTFail("the run never reached its step (exit \(r.status)): \(r.stdout)\(r.stderr)")
        }
        let tree = [server] + ProcessTable.descendants(of: server).map(\.pid)
        for pid in tree { kill(pid, SIGSTOP) }
        addTeardownBlock { for pid in tree { kill(pid, SIGCONT) } }
        let sent = Date()
        running.process.signal(SIGINT)
        let r = try running.finish(timeout: 5)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 5)
        XCTAssertEqual(r.status, 130, r.stdout + r.stderr)
    }

    /// A given server that accepts connections and never answers (a hung host, or a
    /// partition that drops packets: no RST): the setup's call is bounded too.
    func testAGivenServerThatNeverAnswersIsAnError() throws {
        // Both engines' runs at once: each only waits out its bounds on its own listener.
        let engines = [("postgres", "PostgreSQL"), ("redis", "Redis")]
        let started = Date()
        let runs = try engines.map { engine, _ in
            let listener = try SilentListener(self)
            let url = engine == "postgres" ? "postgresql://u@127.0.0.1:\(listener.port)/d" : "redis://127.0.0.1:\(listener.port)"
            let tmp = try FaultCLI.temporaryFolder(self)
            let file = try FaultCLI.write("name: silent\ntickets: 1\nbuyers: 2\nstorage: {kind: \(engine), url: \"\(url)\"}\nlock: atomic\ntimeout: \(Int(Self.timeout))s\nseed: 1\n",
                                          to: "s.yaml", in: tmp)
            let reports = tmp.appendingPathComponent("r")
            return (listener, reports, try FaultCLI.start(["run", file, "--reports", reports.path], self))
        }
        for ((_, name), (_, reports, running)) in zip(engines, runs) {
            let r = try running.finish(timeout: 2 * Self.timeout + 15)
            XCTAssertLessThan(Date().timeIntervalSince(started), 2 * Self.timeout + 10)
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("the \(name) server at") && r.stdout.contains("did not answer within"), r.stdout)
            let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
            XCTAssertTrue(junit.contains("type=\"Undetermined\""), junit)
        }
    }

    /// SIGINT while the runner waits for a silent given server's answer to its setup.
    func testSIGINTEndsARunWaitingOnASilentGivenServer() throws {
        let listener = try SilentListener(self)
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("name: silent\ntickets: 1\nbuyers: 2\nstorage: {kind: redis, url: \"redis://127.0.0.1:\(listener.port)\"}\nlock: atomic\ntimeout: 60s\nseed: 1\n",
                                      to: "s.yaml", in: tmp)
        let reports = tmp.appendingPathComponent("r")
        let running = try FaultCLI.start(["run", file, "--reports", reports.path], self)
        // Connected: the runner sent its setup and waits for the answer.
        XCTAssertTrue(poll(within: 30) { listener.acceptOne() || !running.isRunning })
        let sent = Date()
        running.process.signal(SIGINT)
        let r = try running.finish(timeout: 2)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 2)
        XCTAssertEqual(r.status, 130, r.stdout + r.stderr)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("RunIncomplete"), junit)
    }

    /// A TCP port on 127.0.0.1 that accepts connections and never writes a byte.
    private final class SilentListener {
        let fd: Int32
        let port: Int
        private var accepted: [Int32] = []

        init(_ test: XCTestCase) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard fd >= 0, bound else { throw NotReady() }
            self.fd = fd
            port = Int(UInt16(bigEndian: addr.sin_port))
            test.addTeardownBlock { [self] in for f in accepted + [fd] { close(f) } }
        }

        /// Accepts one waiting connection (kept open, never answered); false when none waits.
        func acceptOne() -> Bool {
            let c = accept(fd, nil, nil)
            if c >= 0 { accepted.append(c) }
            return c >= 0
        }
    }

    private struct NotReady: Error {}

    private func requireEngine(_ engine: String) throws {
        switch engine {
        case "postgres":
            guard FileManager.default.fileExists(atPath: "/usr/lib/postgresql") else { throw XCTSkip("PostgreSQL is not installed") }
        default:
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else { throw XCTSkip("redis-server is not installed") }
        }
    }
}
