import Foundation
import TicketRushTestSupport
import XCTest

/// Issue 20 and 23 through the built binary: program buyers on every store (the runner makes
/// the SQLite file, PostgreSQL table or Redis key, hands the program {storage}/{url}/{table}
/// and reads the final count itself), a failed Python buyer's traceback in the terminal,
/// JUnit and HTML, and a replay after the program was edited that warns and says where it
/// diverged. Verdicts asserted are those of controlled searches or of atomic programs:
/// none depends on how a real race happened to fall.
final class ProgramStoreTests: XCTestCase {
    private let root = CLI.repositoryRoot.path
    private static let hasPostgres = FileManager.default.fileExists(atPath: "/usr/lib/postgresql")
        || ProcessInfo.processInfo.environment["TICKETRUSH_PG_BINDIR"] != nil
    private static let hasRedis = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-cli")

    private func cell(_ reports: URL, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cells = try XCTUnwrap(summary["cells"] as? [[String: Any]])
        return try XCTUnwrap(cells.first { $0["name"] as? String == name }, "no cell \(name)")
    }

    /// Invariant → violated trials of a cell.
    private func violated(_ cell: [String: Any]) -> [String: Int] {
        var out: [String: Int] = [:]
        for i in cell["invariants"] as? [[String: Any]] ?? [] { out[i["name"] as? String ?? "?"] = i["violated"] as? Int ?? -1 }
        return out
    }

    /// The shipped Python buyer on SQLite: SELECT then UPDATE oversells in the controlled
    /// search (the runner's own read of the database file says 0 left after two sales).
    func testAPythonBuyerOnSQLiteOversellsUnderControl() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports"), work = dir.appendingPathComponent("work")
        let r = try CLI.run(["run", "\(root)/scenarios/programs/sqlite-race-controlled.yaml", "--reports", reports.path,
                             "--work", work.path, "--events", dir.appendingPathComponent("events").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains("cannot serve program buyers"), r.stdout)
        let c = try cell(reports, "sqlite-race-controlled")
        let v = violated(c)
        XCTAssertGreaterThan(v["no-oversell"] ?? 0, 0, r.stdout)
        XCTAssertEqual(v["no-oversell"], v["conservation"], "every oversold schedule leaves a count the runner read as too high")
        XCTAssertEqual(v["one-outcome"], 0)
        XCTAssertEqual((c["schedule"] as? [String: Any])?["complete"] as? Bool, true)
        // The database is the trial folder's sqlite file, not a JSON document.
        let trial = work.appendingPathComponent("sqlite-race-controlled/trial-1")
        XCTAssertTrue(FileManager.default.fileExists(atPath: trial.appendingPathComponent("tickets.db").path))
        XCTAssertEqual(CLI.processes(inside: work), [])
    }

    /// A program on PostgreSQL through psql: the private server, the trial's table in {table},
    /// the server in {url}; the race is found under control and the atomic UPDATE holds.
    func testAShellBuyerOnPostgresRacesUnderControlAndTheAtomicUpdateHolds() throws {
        guard Self.hasPostgres, FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") else {
            throw XCTSkip("PostgreSQL and psql are not installed")
        }
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", "\(root)/scenarios/programs/psql-race-controlled.yaml", "\(root)/scenarios/programs/psql-atomic.yaml",
                             "--reports", reports.path, "--work", dir.appendingPathComponent("work").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let race = try cell(reports, "psql-race-controlled")
        XCTAssertGreaterThan(violated(race)["no-oversell"] ?? 0, 0)
        XCTAssertEqual(violated(race)["no-oversell"], violated(race)["conservation"])
        let atomic = try cell(reports, "psql-atomic")
        XCTAssertEqual(violated(atomic).values.filter { $0 != 0 }, [], "\(violated(atomic))")
        // Three tickets, eight buyers: all three sold in every trial, as the runner read the table.
        XCTAssertTrue(r.stdout.contains("PASS  psql-atomic  5 trials  sold 3 of 3"), r.stdout)
    }

    /// Redis: the key in {table}, the private server's socket in {url} (unix://).
    func testAShellBuyerOnRedisGetsTheKeyAndTheServer() throws {
        guard Self.hasRedis else { throw XCTSkip("redis-server and redis-cli are not installed") }
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", "\(root)/scenarios/programs/redis-cli-atomic.yaml", "--reports", reports.path,
                             "--work", dir.appendingPathComponent("work").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports, "redis-cli-atomic")
        XCTAssertEqual(violated(c).values.filter { $0 != 0 }, [], "\(violated(c))")
        XCTAssertTrue(r.stdout.contains("sold 3 of 3"), r.stdout)
    }

    /// What a program is handed, as it sees it: {storage}, {url} and {table} in its words and
    /// the same in TICKETRUSH_STORAGE, TICKETRUSH_URL, TICKETRUSH_TABLE.
    func testTheProgramIsToldWhereTheStoreIs() throws {
        let dir = try CLI.temporaryFolder(self)
        try CLI.write("printf '%s|%s|%s|%s|%s|%s\\n' \"$1\" \"$2\" \"$3\" \"$TICKETRUSH_STORAGE\" \"$TICKETRUSH_URL\" \"$TICKETRUSH_TABLE\"\n",
                      to: "where.sh", in: dir)
        try CLI.write("""
            name: where
            tickets: 1
            buyers: {count: 1, command: [sh, "{dir}/where.sh", "{storage}", "{url}", "{table}"]}
            outcomes: {bought: 'never'}
            storage: {kind: sqlite}
            trials: 1
            invariants: [all-finished]
            """, to: "where.yaml", in: dir)
        let work = dir.appendingPathComponent("work")
        let r = try CLI.run(["run", "where.yaml", "--reports", "rep", "--work", work.path], in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let out = try String(contentsOf: work.appendingPathComponent("where/trial-1/buyer-1.out"), encoding: .utf8)
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.contains("|") }, out)
        let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(f.count, 6, out)
        XCTAssertTrue(f[0].hasSuffix("/where/trial-1/tickets.db"), out)
        XCTAssertEqual(f[0], f[3])
        XCTAssertEqual(f[1], f[0], "a file store's url is its path")
        XCTAssertEqual(f[4], f[1])
        XCTAssertEqual(f[2], "tickets")
        XCTAssertEqual(f[5], "tickets")
    }

    /// A Python buyer that raises: its traceback's last frame and message are in the terminal's
    /// failure text, the JUnit failure and the HTML report, not only "fan-1 exited 1".
    func testAFailedPythonBuyersTracebackIsInEveryFailureText() throws {
        let dir = try CLI.temporaryFolder(self)
        try CLI.write("""
            import sys
            def buy(name):
                raise ValueError("no seat map for %s" % name)
            print("starting")
            buy(sys.argv[1])

            """, to: "crash.py", in: dir)
        try CLI.write("""
            name: crash
            tickets: 1
            buyers: {count: 2, name: "fan-{n}", command: [python3, "{dir}/crash.py", "{name}"]}
            outcomes: {bought: 'bought', error: '^Traceback'}
            trials: 1
            timeout: 30s
            invariants: [all-finished]
            """, to: "crash.yaml", in: dir)
        let r = try CLI.run(["run", "crash.yaml", "--reports", "rep"], in: dir)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        for text in ["fan-2 exited 1", "ValueError: no seat map for fan-2", "line 3, in buy"] {
            XCTAssertTrue(r.stdout.contains(text), "terminal lacks \(text):\n" + r.stdout)
        }
        let junit = try String(contentsOf: dir.appendingPathComponent("rep/junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("ValueError: no seat map for fan-1"), junit)
        let html = try String(contentsOf: dir.appendingPathComponent("rep/index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("ValueError: no seat map for fan-1"), "index.html lacks the traceback")
        XCTAssertTrue(html.contains("line 3, in buy"), "index.html lacks the last frame")
    }

    /// A replay string made before the program was edited: the fingerprint covers the
    /// script's contents, so the replay warns, and it says the grant where the edited program
    /// (now taking a lock) no longer follows the string, instead of passing silently.
    func testAReplayAfterTheProgramChangedWarnsAndSaysWhereItDiverged() throws {
        let dir = try CLI.temporaryFolder(self)
        let original = try String(contentsOfFile: "\(root)/examples/shell/buy_protocol.sh", encoding: .utf8)
            .replacingOccurrences(of: "\"${0%/*}/../../clients/sh/ticketrush.sh\"", with: "\"\(root)/clients/sh/ticketrush.sh\"")
        try CLI.write(original, to: "buy.sh", in: dir)
        try CLI.write("""
            name: edited
            tickets: 1
            buyers: {count: 2, command: [sh, "{dir}/buy.sh", "{name}"]}
            schedule: {strategy: exhaustive, shrink: 0}
            timeout: 10s
            invariants: [no-oversell, conservation]
            expect: {no-oversell: violated, conservation: violated}
            """, to: "edited.yaml", in: dir)
        let first = try CLI.run(["run", "edited.yaml", "--reports", "rep"], in: dir)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let made = try XCTUnwrap(CLI.captures("--schedule-replay 'S1\\.([0-9a-f]{8})\\.", in: first.stdout)?.first ?? nil, first.stdout)
        // Both search, both wait for the lock, then each takes its next step in turn.
        let string = "S1.\(made).121212"
        let same = try CLI.run(["run", "edited.yaml", "--schedule-replay", string, "--reports", "rep1"], in: dir)
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertFalse(same.stderr.contains("warning"), same.stderr)

        // The fix: every buyer now takes the lock, so buyer 2 cannot take it at grant 6.
        try CLI.write(original.replacingOccurrences(of: "if [ \"$2\" = \"--lock\" ]; then", with: "if true; then"), to: "buy.sh", in: dir)
        let after = try CLI.run(["run", "edited.yaml", "--schedule-replay", string, "--reports", "rep2"], in: dir)
        XCTAssertTrue(after.stderr.contains("schedule fingerprint \(made) is not this scenario's"), after.stderr)
        XCTAssertTrue(after.stderr.contains("program's files (buy.sh)"), after.stderr)
        XCTAssertTrue(after.stderr.contains("diverged at grant 6: buyer 2 is not enabled"), after.stderr)
        // The run is judged (the fix holds in it), not stopped by the divergence.
        XCTAssertEqual(after.status, 1, after.stdout + after.stderr)
        XCTAssertTrue(after.stdout.contains("no-oversell (expected violated): expected a violation"), after.stdout)
    }
}
