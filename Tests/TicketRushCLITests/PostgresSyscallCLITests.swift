import Foundation
import TicketRushTestSupport
import XCTest

/// `control: syscalls` on PostgreSQL through the built binary (NetworkSyscallCLI): an
/// unmodified psycopg buyer whose statements are the steps.
final class PostgresSyscallCLITests: XCTestCase {
    private var cli: NetworkSyscallCLI { NetworkSyscallCLI(test: self, module: "psycopg") }

    override func setUpWithError() throws {
        try cli.skipUnlessAvailable(server: "/usr/lib/postgresql", serverMissing: "PostgreSQL is not installed", install: ".ci/run installs psycopg[binary]")
    }

    /// READ COMMITTED: the lost update is found, the search complete, the counterexample replays.
    func testTheLostUpdateAtReadCommittedIsFoundAndReplays() throws {
        try cli.lostUpdateIsFoundAndReplays("psycopg-race-syscalls")
    }

    /// The server says buyer 2's UPDATE waits for buyer 1's lock (choice 7 is buyer 1, the only
    /// one enabled).
    func testAStatementWaitingForALockIsBlockedUntilTheHolderCommits() throws {
        try cli.blockedUntilTheHolderCommits("psycopg-race-syscalls", replay: "S1.00000000.1212121")
    }

    /// REPEATABLE READ: the second UPDATE fails with a serialization failure and the buyer
    /// retries; no order oversells, and the search is complete. BEGIN and the plain SELECT
    /// only read, so the two buyers' reads commute: 18 classes, where counting every
    /// statement as a write ran 50 orders.
    func testRepeatableReadHoldsInEveryOrder() throws {
        let reports = try cli.holdsInEveryOrder("psycopg-repeatable-syscalls")
        XCTAssertEqual(try cli.cell(reports)["schedule"].flatMap { ($0 as? [String: Any])?["runs"] as? Int }, 18)
    }

    /// SIGINT once a held psycopg buyer exists: nothing of the run is left.
    func testAnInterruptedRunLeavesNoProcessAndNoServer() throws {
        // "postgres -D DIR/pg …": the server's folder goes with it.
        try cli.interruptLeavesNothing("psycopg-race-syscalls", buyer: "buy_psycopg.py", isServer: { $0.contains("postgres -D ") },
                                       folder: { String($0.components(separatedBy: "postgres -D ")[1].split(separator: " ")[0]) })
    }
}

/// `control: syscalls` on Redis: an unmodified sh buyer whose redis-cli commands are the steps.
final class RedisSyscallCLITests: XCTestCase {
    func testTheLostUpdateOfGetThenSetIsFoundCompleteAndReplays() throws {
        try RunSummary.skipUnlessUserNotification()
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/usr/bin/redis-server") && FileManager.default.fileExists(atPath: "/usr/bin/redis-cli"),
                          "redis-server and redis-cli are not installed")
        let dir = try CLI.temporaryFolder(self)
        let file = "\(CLI.repositoryRoot.path)/scenarios/programs/redis-cli-race-syscalls.yaml"
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", dir.appendingPathComponent("work").path, "--quiet"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        func cell(_ reports: URL) throws -> [String: Any] {
            let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
            let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try XCTUnwrap((summary["cells"] as? [[String: Any]])?.first)
        }
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0)
        // Two GETs commute: fewer classes than the 6 interleavings of two 2-command buyers.
        XCTAssertEqual(s["runs"] as? Int, 4)
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        let out = dir.appendingPathComponent("replay")
        let again = try CLI.run(["run", file, "--schedule-replay", counterexample, "--reports", out.path,
                                 "--work", dir.appendingPathComponent("w").path], timeout: 120)
        let replayed = try cell(out)
        let oversold = (replayed["invariants"] as? [[String: Any]])?.first { $0["name"] as? String == "no-oversell" }?["violated"] as? Int
        XCTAssertEqual(oversold, 1, again.stdout + again.stderr)
        XCTAssertTrue(again.stdout.contains("SET ticketrush:"), again.stdout)
    }
}
