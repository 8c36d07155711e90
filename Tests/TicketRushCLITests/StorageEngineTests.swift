import Foundation
import TicketRushTestSupport
import XCTest

/// The database engines end to end through the built binary, against real private servers:
/// the shipped cells meet their expectations, no server or socket outlives a run (also an
/// interrupted one), and a missing engine, a server that cannot start, and a given server
/// that refuses are each reported as the issue says.
final class StorageEngineTests: XCTestCase {
    private static let hasPostgres = FileManager.default.fileExists(atPath: "/usr/lib/postgresql")
        || ProcessInfo.processInfo.environment["TICKETRUSH_PG_BINDIR"] != nil
    private static let hasRedis = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")
        && ["libhiredis.so.0.14", "libhiredis.so.1.1.0", "libhiredis.so"].contains { name in
            ["/usr/lib/x86_64-linux-gnu", "/usr/lib", "/usr/local/lib"].contains { FileManager.default.fileExists(atPath: "\($0)/\(name)") }
        }

    private static let hasMariaDB = FileManager.default.isExecutableFile(atPath: "/usr/sbin/mariadbd")
        && FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libmariadb.so.3")

    private func require(_ engine: String) throws {
        switch engine {
        case "mariadb": if !Self.hasMariaDB { throw XCTSkip("MariaDB is not installed (apt-get install libmariadb-dev mariadb-server)") }
        case "postgres": if !Self.hasPostgres { throw XCTSkip("PostgreSQL is not installed (apt-get install postgresql)") }
        case "redis": if !Self.hasRedis { throw XCTSkip("Redis is not installed (apt-get install redis-server libhiredis-dev)") }
        default: break
        }
    }

    /// Runs the binary (or a copy of it) in `dir` with extra environment variables.
    private func run(_ args: [String], env: [String: String], in dir: URL, binary: URL = CLI.binary) throws -> CLI.Result {
        try CLI.run(args, in: dir, env: env, executable: binary)
    }

    /// The private server folders (/tmp/trdb.*) that exist now.
    private func serverFolders() -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("trdb.") })
    }

    /// Every living process whose command line mentions `text`, as (pid, command line).
    private func processes(mentioning text: String) -> [(Int32, String)] {
        ProcessTable.mentioning(text).map { ($0.pid, $0.command) }
    }

    /// The server folders named on these servers' command lines.
    private func mine(_ seen: [Int32: String]) -> Set<String> {
        Set(seen.values.compactMap { CLI.captures("(/tmp/trdb\\.[A-Za-z0-9.-]+)", in: $0)?.first ?? nil })
    }

    private func parent(of pid: Int32) -> Int32? { ProcessTable.snapshot()[pid]?.ppid }

    /// Alive and not a zombie (a zombie has exited; only its entry remains until its parent waits).
    private func alive(_ pid: Int32) -> Bool { ProcessTable.snapshot()[pid].map { $0.state != "Z" } ?? false }

    func testShippedStorageScenariosMeetTheirExpectations() throws {
        try require("postgres")
        try require("redis")
        try require("mariadb")
        let dir = try CLI.temporaryFolder(self)
        let before = serverFolders()
        let junit = dir.appendingPathComponent("j.xml").path
        let result = try CLI.run(["run", CLI.repositoryRoot.appendingPathComponent("scenarios/storage").path,
                                  "--trials", "3", "--require-engines", "--junit", junit], timeout: 600)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("expectations met"), result.stdout)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        // The known-broken strategies oversold in at least one trial (a race no scheduler can hide
        // with 10 buyers and 1 ticket); no-torn-read is not applicable, never "holds".
        XCTAssertTrue(xml.contains("testsuite name=\"storage-postgres-transaction-read-committed\""), xml)
        XCTAssertTrue(xml.contains("<skipped>not applicable: a database engine never hands a reader a half-written value"), xml)
        XCTAssertFalse(xml.contains("name=\"no-torn-read\" time=\"0.000\"><system-out>"), xml)
        // Each private server's folder (named on its start line) is gone with it.
        let started = result.stdout.split(separator: "\n").filter { $0.contains("private server at") }
        XCTAssertEqual(started.count, 3, result.stdout)
        for line in started {
            let folder = try XCTUnwrap(CLI.captures("(/tmp/trdb\\.[A-Za-z0-9.-]+)", in: String(line))?.first ?? nil)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "\(folder) outlived the run")
        }
        _ = before
    }

    func testPostgresRetriesAreReportedWithTheirReason() throws {
        try require("postgres")
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: pg-serializable
            tickets: 1
            buyers: 10
            delays: {search: 5ms, write: 200ms}
            storage: {kind: postgres, isolation: serializable}
            lock: transaction
            trials: 3
            seed: 5
            timeout: 60s
            """, to: "s.yaml", in: dir)
        let events = dir.appendingPathComponent("events")
        let result = try CLI.run(["run", scenario, "--events", events.path, "--require-engines"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        // Two of ten transactions released at once and each holding for 200 ms overlap in
        // some trial however the machine schedules them; which trial is the scheduler's.
        let logs = try (1...3).map { try String(contentsOf: events.appendingPathComponent("pg-serializable/trial-\($0).jsonl"), encoding: .utf8) }
        let retried = logs.filter { $0.contains("\"event\":\"store.retry\"") }
        XCTAssertFalse(retried.isEmpty, logs.joined(separator: "\n"))
        XCTAssertTrue(retried.contains { $0.contains("\"retry_reason\":\"serialization failure\"") }, retried.joined(separator: "\n"))
    }

    func testNoServerOutlivesAnInterruptedRun() throws {
        for (engine, binary) in [("postgres", "postgres"), ("redis", "redis-server")] {
            try require(engine)
            let dir = try CLI.temporaryFolder(self)
            let scenario = try CLI.write("""
                name: long-\(engine)
                tickets: 1
                buyers: 2
                delays: {search: 50ms, write: 50ms}
                storage: {kind: \(engine)}
                lock: none
                trials: 200
                seed: 1
                """, to: "s.yaml", in: dir)
            // Twice: interrupted as soon as the server is ready, and in the middle of a trial.
            for midTrial in [false, true] {
                let work = dir.appendingPathComponent("work-\(midTrial)")
                let before = serverFolders()
                var seen: [Int32: String] = [:]
                var runner: Int32 = 0
                let status = try CLI.interrupt(["run", scenario, "--work", work.path]) {
                    if runner == 0 { runner = processes(mentioning: scenario).first { $0.1.contains("ticketrush") }?.0 ?? 0 }
                    // This run's servers only: other tests may run servers of their own at the same time.
                    for (pid, cmd) in processes(mentioning: "/tmp/trdb.") where cmd.contains(binary) && runner != 0 && parent(of: pid) == runner {
                        seen[pid] = cmd
                    }
                    let ready = mine(seen).contains { folder in
                        ["redis.sock", ".s.PGSQL.5432"].contains { FileManager.default.fileExists(atPath: "\(folder)/srv/\($0)") }
                    }
                    return midTrial ? ready && CLI.hasTrialFolder(in: work) : ready
                }
                XCTAssertEqual(status, 130, "\(engine) midTrial=\(midTrial)")
                XCTAssertFalse(seen.isEmpty, "\(engine): the server was never seen running")
                for (pid, cmd) in seen {
                    XCTAssertTrue(CLI.poll(within: 5) { !alive(pid) }, "\(engine): \(cmd) (pid \(pid)) outlived the interrupted run")
                }
                for folder in mine(seen) {
                    XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "\(engine): \(folder) outlived the interrupted run")
                }
                _ = before
            }
        }
    }

    func testAMissingEngineIsSkippedAndRequireEnginesFails() throws {
        let dir = try CLI.temporaryFolder(self)
        try CLI.write("name: r\ntickets: 1\nbuyers: 2\nstorage: {kind: redis}\nlock: atomic\n", to: "r.yaml", in: dir)
        let env = ["TICKETRUSH_HIREDIS": "/nonexistent/libhiredis.so"]
        let skipped = try run(["run", "r.yaml", "--reports", "rep", "--work", "w"], env: env, in: dir)
        XCTAssertEqual(skipped.status, 0, skipped.stdout + skipped.stderr)
        XCTAssertTrue(skipped.stdout.contains("SKIP  r"), skipped.stdout)
        XCTAssertTrue(skipped.stdout.contains("libhiredis-dev"), skipped.stdout)
        let xml = try String(contentsOf: dir.appendingPathComponent("rep/junit.xml"), encoding: .utf8)
        XCTAssertTrue(xml.contains("<skipped>skipped: hiredis is not installed"), xml)
        XCTAssertTrue(xml.contains("apt-get install libhiredis-dev redis-server"), xml)
        let required = try run(["run", "r.yaml", "--reports", "rep2", "--work", "w", "--require-engines"], env: env, in: dir)
        XCTAssertEqual(required.status, 1, required.stdout + required.stderr)
        let validate = try run(["validate", "r.yaml"], env: env, in: dir)
        XCTAssertEqual(validate.status, 2, validate.stdout)
        XCTAssertTrue(validate.stdout.contains("apt-get install libhiredis-dev redis-server"), validate.stdout)
    }

    /// A client library that cannot be loaded (TICKETRUSH_SQLITE names the library to load,
    /// docs/storage.md) skips its scenarios with one install line, exit 0, while the JSON
    /// scenario beside them still runs; --require-engines fails; validate names the same package.
    func testAMissingSQLiteClientIsSkippedWithOnePackageName() throws {
        let dir = try CLI.temporaryFolder(self)
        try CLI.write("name: s\ntickets: 1\nbuyers: 2\nstorage: {kind: sqlite}\nlock: atomic\nexpect: {no-oversell: hold}\n", to: "s.yaml", in: dir)
        try CLI.write("name: j\ntickets: 1\nbuyers: 2\nlock: {mode: flock, scope: task}\nexpect: {no-oversell: hold}\n", to: "j.yaml", in: dir)
        let env = ["TICKETRUSH_SQLITE": "/nonexistent/libsqlite3.so.0"]
        let skipped = try run(["run", "s.yaml", "j.yaml", "--reports", "rep", "--work", "w"], env: env, in: dir)
        XCTAssertEqual(skipped.status, 0, skipped.stdout + skipped.stderr)
        XCTAssertTrue(skipped.stdout.contains("SKIP  s"), skipped.stdout)
        XCTAssertTrue(skipped.stdout.contains("PASS  j "), skipped.stdout)
        let all = skipped.stdout + skipped.stderr
        XCTAssertTrue(all.contains("libsqlite3 is not installed") && all.contains("TICKETRUSH_SQLITE"), all)
        XCTAssertTrue(all.contains("apt-get install libsqlite3-dev"), all)
        XCTAssertFalse(all.contains("libsqlite3-0"), "one package name, not two: \(all)")
        let xml = try String(contentsOf: dir.appendingPathComponent("rep/junit.xml"), encoding: .utf8)
        XCTAssertTrue(xml.contains("<skipped>skipped: libsqlite3 is not installed") && xml.contains("apt-get install libsqlite3-dev"), xml)
        let required = try run(["run", "s.yaml", "--reports", "rep2", "--work", "w", "--require-engines"], env: env, in: dir)
        XCTAssertEqual(required.status, 1, required.stdout + required.stderr)
        let validate = try run(["validate", "s.yaml"], env: env, in: dir)
        XCTAssertEqual(validate.status, 2, validate.stdout)
        XCTAssertTrue(validate.stdout.contains("s.yaml:1:1: error: scenario 's' uses storage.kind sqlite, but libsqlite3 is not installed"), validate.stdout)
        XCTAssertTrue(validate.stdout.contains("apt-get install libsqlite3-dev") && !validate.stdout.contains("libsqlite3-0"), validate.stdout)
    }

    /// The release `ticketrush` is fully static and cannot load client libraries; a run that
    /// needs one continues in `ticketrush-engines` beside it. TICKETRUSH_ENGINES_HOP=always
    /// makes this (dynamic, debug) build behave the same, so both ways are tested here.
    func testADatabaseRunContinuesInTicketrushEnginesOrSaysItIsMissing() throws {
        let dir = try CLI.temporaryFolder(self)
        try CLI.write("name: s\ntickets: 1\nbuyers: 2\nstorage: {kind: sqlite}\nlock: atomic\nexpect: {no-oversell: hold}\n", to: "s.yaml", in: dir)
        try CLI.write("name: j\ntickets: 1\nbuyers: 2\nlock: {mode: flock, scope: task}\nexpect: {no-oversell: hold}\n", to: "j.yaml", in: dir)
        let env = ["TICKETRUSH_ENGINES_HOP": "always"]

        // Beside its sibling (the build folder): the run hops and the scenario runs there.
        let hopped = try run(["run", "s.yaml", "j.yaml", "--reports", "rep", "--work", "w", "--require-engines"], env: env, in: dir)
        XCTAssertEqual(hopped.status, 0, hopped.stdout + hopped.stderr)
        XCTAssertTrue(hopped.stdout.contains("PASS  s "), hopped.stdout)
        XCTAssertTrue(hopped.stdout.contains("PASS  j "), hopped.stdout)

        // Alone: the database scenario is skipped, saying what is missing; JSON still runs.
        let lone = dir.appendingPathComponent("lone")
        try FileManager.default.createDirectory(at: lone, withIntermediateDirectories: true)
        let copy = lone.appendingPathComponent("ticketrush")
        try FileManager.default.copyItem(at: CLI.binary, to: copy)
        let alone = try run(["run", "s.yaml", "j.yaml", "--reports", "rep2", "--work", "w"], env: env, in: dir, binary: copy)
        XCTAssertEqual(alone.status, 0, alone.stdout + alone.stderr)
        XCTAssertTrue(alone.stdout.contains("SKIP  s"), alone.stdout)
        XCTAssertTrue(alone.stdout.contains("cannot load libsqlite3") && alone.stdout.contains("ticketrush-engines"), alone.stdout)
        XCTAssertTrue(alone.stdout.contains("PASS  j "), alone.stdout)
        let required = try run(["run", "s.yaml", "--reports", "rep3", "--work", "w", "--require-engines"], env: env, in: dir, binary: copy)
        XCTAssertEqual(required.status, 1, required.stdout + required.stderr)

        // A sibling that cannot be started: the scenario is skipped with exec's reason.
        let broken = lone.appendingPathComponent("ticketrush-engines")
        try "#!/nonexistent/interpreter\n".write(to: broken, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(broken.path, 0o755), 0)
        let failed = try run(["run", "s.yaml", "--reports", "rep4", "--work", "w"], env: env, in: dir, binary: copy)
        XCTAssertEqual(failed.status, 0, failed.stdout + failed.stderr)
        XCTAssertTrue(failed.stdout.contains("SKIP  s") && failed.stdout.contains("could not be started: No such file or directory"), failed.stdout)
    }

    func testAServerThatCannotStartExitsThreeWithItsLogAndLeavesNothing() throws {
        let dir = try CLI.temporaryFolder(self)
        let bin = dir.appendingPathComponent("bin")
        try CLI.write("#!/bin/sh\necho 'initdb: error: the disk is on fire (a fake initdb)' >&2\nexit 1\n", to: "bin/initdb", in: dir)
        try CLI.write("#!/bin/sh\nexit 1\n", to: "bin/postgres", in: dir)
        for f in ["initdb", "postgres"] { chmod(bin.appendingPathComponent(f).path, 0o755) }
        try CLI.write("name: p\ntickets: 1\nbuyers: 2\nstorage: {kind: postgres}\n", to: "p.yaml", in: dir)
        let result = try run(["run", "p.yaml", "--reports", "rep", "--work", "w"], env: ["TICKETRUSH_PG_BINDIR": bin.path], in: dir)
        XCTAssertEqual(result.status, 3, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("the disk is on fire"), result.stderr)
        // The fake initdb never got a folder of its own to leave: the runner's is gone.
        for folder in Set(CLI.captures("(/tmp/trdb\\.[A-Za-z0-9.-]+)", in: result.stderr)?.compactMap { $0 } ?? []) {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder), folder)
        }
    }

    func testAGivenServerThatRefusesEndsEveryTaskInErrorWithTheClientsMessage() throws {
        try require("postgres")
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: refused
            tickets: 1
            buyers: 3
            storage: {kind: postgres, url: "postgresql://nobody@127.0.0.1:1/none"}
            lock: row-lock
            invariants: [one-outcome, no-oversell]
            seed: 1
            """, to: "s.yaml", in: dir)
        let events = dir.appendingPathComponent("events")
        let result = try CLI.run(["run", scenario, "--events", events.path])
        XCTAssertTrue(result.stdout.contains("Connection refused"), result.stdout)
        let log = try String(contentsOf: events.appendingPathComponent("refused/trial-1.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "\"event\":\"error\"").count - 1, 3, log)
        XCTAssertFalse(log.contains("\"event\":\"bought\""), log)
    }

    /// A program trial's teardown kills every descendant of the runner it finds: the run's
    /// private servers are spared, so database cells after a program cell still have them.
    func testProgramTrialsLeaveThePrivateServerRunning() throws {
        try require("postgres")
        let root = CLI.repositoryRoot.appendingPathComponent("scenarios")
        let result = try CLI.run(["run", root.appendingPathComponent("programs/shell-race.yaml").path,
                                  root.appendingPathComponent("storage/postgres.yaml").path,
                                  "--trials", "2", "--require-engines", "--quiet"], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }

    func testSQLiteRaceOversellsAndRowLockHolds() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: sq-race
            tickets: 1
            buyers: 10
            delays: {search: 10ms, write: 10ms}
            storage: {kind: sqlite, journal: wal}
            lock: none
            trials: 3
            seed: 2
            expect: {no-oversell: violated, conservation: violated}
            ---
            name: sq-immediate
            tickets: 1
            buyers: 10
            delays: {search: 10ms, write: 10ms}
            storage: {kind: sqlite}
            lock: {mode: row-lock, scope: task}
            trials: 3
            seed: 2
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--require-engines"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  sq-race"), result.stdout)
        XCTAssertTrue(result.stdout.contains("PASS  sq-immediate"), result.stdout)
    }
}
