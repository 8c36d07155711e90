import Foundation
import TicketRushTestSupport
import XCTest

/// Output that explains (issue 23), through the built binary: the narration says what a
/// transaction holds, engine lines name the isolation and the retries with their reasons,
/// and a cell in which nothing reached the engine says so and what to do next.
final class ExplainingOutputTests: XCTestCase {
    private static let hasPostgres = FileManager.default.fileExists(atPath: "/usr/lib/postgresql")
        || ProcessInfo.processInfo.environment["TICKETRUSH_PG_BINDIR"] != nil

    /// BEGIN DEFERRED and a bare postgres BEGIN lock nothing: never "holds the lock"; BEGIN
    /// IMMEDIATE holds the write lock; SELECT … FOR UPDATE is where the row lock is taken.
    func testTranscriptSaysWhatEachTransactionHolds() throws {
        let dir = try CLI.temporaryFolder(self)
        var text = """
            name: sq-deferred
            tickets: 2
            buyers: 3
            storage: {kind: sqlite}
            lock: transaction
            seed: 3
            ---
            name: sq-immediate
            tickets: 2
            buyers: 3
            storage: {kind: sqlite}
            lock: row-lock
            seed: 3
            """
        if Self.hasPostgres {
            text += "\n---\nname: pg-row\ntickets: 2\nbuyers: 3\nstorage: {kind: postgres}\nlock: row-lock\nseed: 3\n"
        }
        let scenario = try CLI.write(text, to: "s.yaml", in: dir)
        let r = try CLI.run(["run", scenario, "--trials", "1", "--transcript", "--require-engines"], timeout: 300)
        // Only the narration is asserted: a deferred buyer that runs out of SQLITE_BUSY retries
        // under load leaves its purchase unknown (exit 1), which no scheduler can rule out.
        XCTAssertTrue([0, 1].contains(r.status), r.stdout + r.stderr)
        let deferred = section(r.stdout, "sq-deferred — trial 1"), immediate = section(r.stdout, "sq-immediate — trial 1")
        XCTAssertFalse(deferred.contains("holds the lock"), deferred)
        XCTAssertGreaterThanOrEqual(count(deferred, "is in a deferred transaction (no lock until it reads)"), 3, deferred)
        XCTAssertGreaterThanOrEqual(count(immediate, "holds the database's write lock (BEGIN IMMEDIATE)"), 3, immediate)
        guard Self.hasPostgres else { return }
        let pg = section(r.stdout, "pg-row — trial 1")
        XCTAssertFalse(pg.contains("holds the lock"), pg)
        XCTAssertEqual(count(pg, "is in a READ COMMITTED transaction (no lock yet"), 3, pg)
        XCTAssertEqual(count(pg, "locks the row (SELECT … FOR UPDATE), reads"), 3, pg)
    }

    /// The summary, JUnit and HTML name the isolation level and count retries with their reason.
    func testPostgresEngineLineNamesIsolationAndRetries() throws {
        guard Self.hasPostgres else { throw XCTSkip("PostgreSQL is not installed (apt-get install postgresql)") }
        let dir = try CLI.temporaryFolder(self)
        // As StorageEngineTests' retry test: ten 200 ms transactions released together overlap
        // in some trial however the machine schedules them, and SERIALIZABLE aborts one of two.
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
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", scenario, "--require-engines", "--reports", reports.path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.contains("engine: postgres") }, r.stdout)
        XCTAssertTrue(line.contains("isolation SERIALIZABLE"), String(line))
        XCTAssertNotNil(line.range(of: #"retries: [0-9]+\.[0-9]{2} per purchase \([0-9]+ in [0-9]+ purchases?\): .*serialization failure [0-9]+"#,
                                   options: .regularExpression), String(line))
        XCTAssertFalse(r.stdout.contains("holding"), "a transaction that locks nothing holds nothing: \(r.stdout)")
        for file in ["junit.xml", "index.html"] {
            let text = try String(contentsOf: reports.appendingPathComponent(file), encoding: .utf8)
            XCTAssertTrue(text.contains("isolation SERIALIZABLE"), file)
            XCTAssertTrue(text.contains("serialization failure"), file)
        }
    }

    /// A server that refuses every buyer: the cell says nothing ran and what to do, never
    /// "invariants never violated", and the engine's message keeps no tab or escape.
    func testNothingRanSaysWhatHappenedAndWhatToDo() throws {
        guard Self.hasPostgres else { throw XCTSkip("PostgreSQL is not installed (apt-get install postgresql)") }
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: refused
            tickets: 1
            buyers: 3
            storage: {kind: postgres, url: "postgresql://nobody@127.0.0.1:1/none"}
            lock: row-lock
            trials: 2
            seed: 1
            """, to: "s.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", scenario, "--reports", reports.path])
        XCTAssertNotEqual(r.status, 0, r.stdout)
        XCTAssertFalse(r.stdout.contains("never violated"), r.stdout)
        XCTAssertFalse(r.stdout.contains("\t") || r.stdout.contains("\\u0009"), r.stdout)
        XCTAssertTrue(r.stdout.contains("nothing ran: in 2 trials no buyer got through to postgres"), r.stdout)
        // The buyers' own connect errors carry their code, as the setup's does.
        XCTAssertTrue(r.stdout.contains("\n    engine: SQLSTATE 08006: connection to server"), r.stdout)
        XCTAssertTrue(r.stdout.contains("next: check that the server at postgresql://nobody@127.0.0.1:1/none is running"), r.stdout)
        // The two expectations failed alike (same evidence, same rerun): one closing line names both.
        XCTAssertEqual(r.stdout.components(separatedBy: "UNKNOWN refused :: ").count - 1, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("UNKNOWN refused :: conservation, no-undersell ("), r.stdout)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertFalse(junit.contains("\t") || junit.contains("&#9;"), junit)
        XCTAssertTrue(junit.contains("next: check that the server"), junit)
    }

    /// A MariaDB server that is not there: the buyers' lines carry the client's error number,
    /// as a failed statement's does (a buyer's connect error was told by its text alone, so a
    /// server killed during the buyers' handshake was named by no number).
    func testNothingRanOnMariaDBNamesTheErrorNumber() throws {
        guard FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libmariadb.so.3") else {
            throw XCTSkip("libmariadb is not installed (apt-get install libmariadb-dev)")
        }
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: refused
            tickets: 1
            buyers: 2
            storage: {kind: mariadb, url: "mariadb://nobody@localhost/none?socket=\(dir.path)/absent.sock"}
            lock: row-lock
            trials: 1
            seed: 1
            """, to: "s.yaml", in: dir)
        let r = try CLI.run(["run", scenario, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertNotEqual(r.status, 0, r.stdout)
        // 2002: can't connect through the socket.
        XCTAssertTrue(r.stdout.contains("no buyer got through to mariadb"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\n    engine: MariaDB error 2002: Can't connect"), r.stdout)
    }

    /// The lines of one trial's transcript, from its heading to the next heading or summary.
    private func section(_ out: String, _ heading: String) -> String {
        guard let start = out.range(of: heading) else { return "" }
        let rest = out[start.upperBound...]
        let end = rest.range(of: #"\n(\S+ — trial|PASS|FAIL|UNKNOWN)"#, options: .regularExpression)?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    private func count(_ text: String, _ part: String) -> Int { text.components(separatedBy: part).count - 1 }
}
