import Foundation
import TicketRushTestSupport
import XCTest

/// Workloads end to end through the built binary (docs/workloads.md): the shipped anomaly
/// scenarios meet their expectations, and a workload buyer reports its transactions as
/// docs/events.md says (reads with the tag seen, writes with the tag installed, commits).
final class WorkloadCLITests: XCTestCase {
    private static let hasPostgres = FileManager.default.fileExists(atPath: "/usr/lib/postgresql")
        || ProcessInfo.processInfo.environment["TICKETRUSH_PG_BINDIR"] != nil
    private static let hasRedis = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")

    /// The events of the first trial whose timeline trials.json kept, as (buyer, kind, key, value, aux).
    private func timeline(_ reports: URL) throws -> [(Int, Int, Int, Int, Int)] {
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let trials = try XCTUnwrap(root["trials"] as? [[String: Any]])
        let kept = try XCTUnwrap(trials.compactMap { ($0["timeline"] as? [String: Any])?["events"] as? [[String: Any]] }.first)
        return kept.map { e in
            (e["buyer"] as? Int ?? -1, e["kind"] as? Int ?? -1, e["key"] as? Int ?? 0, e["value"] as? Int ?? 0, e["aux"] as? Int ?? 0)
        }
    }

    func testTwoBuyersDoubleBookASeatUnderControlAndReportTheirTransactions() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let result = try CLI.run(["run", CLI.repositoryRoot.appendingPathComponent("scenarios/anomalies/json-seats.yaml").path,
                                  "--cell", "anomalies-json-seats-none", "--reports", reports.path], in: dir)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("no-double-booking 2/4 (expected)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("seat 1 sold twice"), result.stdout)
        // The shrinker leaves a workload's tickets alone: they stand for its seats, not a count to lower.
        XCTAssertTrue(result.stdout.contains("shrunk to 2 buyers, 1 ticket,"), result.stdout)
        XCTAssertFalse(result.stdout.contains("--tickets"), result.stdout)
        let events = try timeline(reports)
        // key.read = 23, key.write = 24, txn.commit = 28, bought = 9 (docs/events.md).
        for buyer in 0..<2 {
            let mine = events.filter { $0.0 == buyer }
            let read = try XCTUnwrap(mine.firstIndex { $0.1 == 23 })
            let write = try XCTUnwrap(mine.firstIndex { $0.1 == 24 })
            let commit = try XCTUnwrap(mine.firstIndex { $0.1 == 28 })
            let bought = try XCTUnwrap(mine.firstIndex { $0.1 == 9 })
            XCTAssertTrue(read < write && write < commit && commit < bought, "\(mine)")
            // Both read seat 1 (key 1) free at the runner's version 0; each installs its own tag.
            XCTAssertEqual([mine[read].2, mine[read].3, mine[read].4], [1, 0, 0])
            XCTAssertEqual([mine[write].2, mine[write].3, mine[write].4], [1, buyer + 1, (buyer + 1) * 1024 + 1])
        }
    }

    func testTheFixHoldsInEveryInterleaving() throws {
        let dir = try CLI.temporaryFolder(self)
        let result = try CLI.run(["run", CLI.repositoryRoot.appendingPathComponent("scenarios/anomalies/json-seats.yaml").path,
                                  "--cell", "anomalies-json-seats-flock", "--reports", dir.appendingPathComponent("r").path], in: dir)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  anomalies-json-seats-flock"), result.stdout)
        XCTAssertTrue(result.stdout.contains(", complete:"), result.stdout)
    }

    func testSQLiteSeatsRaceAndItsFixes() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: sq-seats-none
            workload: {kind: seats, seats: 2}
            buyers: 6
            delays: {write: 20ms}
            storage: {kind: sqlite}
            trials: 3
            seed: 2
            expect: {no-double-booking: violated, conservation: violated}
            ---
            name: sq-seats-transaction
            workload: {kind: seats, seats: 2}
            buyers: 6
            delays: {write: 20ms}
            storage: {kind: sqlite}
            lock: transaction
            trials: 3
            seed: 2
            ---
            name: sq-rows-atomic
            workload: {kind: rows, capacity: 2}
            buyers: 6
            storage: {kind: sqlite}
            lock: atomic
            trials: 3
            seed: 2
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--require-engines", "--reports", dir.appendingPathComponent("r").path], in: dir)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for name in ["sq-seats-none", "sq-seats-transaction", "sq-rows-atomic"] {
            XCTAssertTrue(result.stdout.contains("PASS  \(name)"), result.stdout)
        }
    }

    /// Every row a purchase counts is an event: 100 buyers × 2 purchases over up to 150 rows
    /// report ~20,000 of them, all kept (an incomplete history would leave the verdicts unknown).
    func testEveryRowReadIsKept() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: rows-many
            workload: {kind: rows, capacity: 150}
            buyers: {count: 100, wants: 2}
            lock: flock
            seed: 3
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--reports", dir.appendingPathComponent("r").path], in: dir)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  rows-many  1 trial  sold 150 of 150"), result.stdout)
    }

    func testShippedAnomalyScenariosMeetTheirExpectations() throws {
        if !Self.hasPostgres { throw XCTSkip("PostgreSQL is not installed (apt-get install postgresql)") }
        if !Self.hasRedis { throw XCTSkip("Redis is not installed (apt-get install redis-server libhiredis-dev)") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/mariadbd") { throw XCTSkip("MariaDB is not installed (apt-get install mariadb-server libmariadb-dev)") }
        let dir = try CLI.temporaryFolder(self)
        let junit = dir.appendingPathComponent("j.xml").path
        let result = try CLI.run(["run", CLI.repositoryRoot.appendingPathComponent("scenarios/anomalies").path, "--require-engines",
                                  "--junit", junit, "--reports", dir.appendingPathComponent("r").path], in: dir, timeout: 600)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        for suite in ["anomalies-postgres-limit-repeatable-read", "anomalies-postgres-limit-serializable",
                      "anomalies-postgres-rows-repeatable-read", "anomalies-postgres-rows-serializable"] {
            XCTAssertTrue(xml.contains("testsuite name=\"\(suite)\""), xml)
        }
        // The anomaly shows (in at least one trial: the expectation), and its fix holds.
        for (cell, invariant) in [("limit-repeatable-read", "customer-limit"), ("rows-repeatable-read", "capacity")] {
            let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("PASS  anomalies-postgres-\(cell) ") } ?? ""
            XCTAssertNotNil(line.range(of: "\(invariant) [1-5]/5 \\(expected\\)", options: .regularExpression), result.stdout)
        }
        for cell in ["postgres-limit-serializable", "postgres-limit-row-lock", "postgres-rows-serializable",
                     "redis-seats-optimistic", "redis-seats-atomic",
                     "mariadb-limit-serializable", "mariadb-limit-row-lock", "mariadb-rows-serializable"] {
            XCTAssertTrue(result.stdout.contains("PASS  anomalies-\(cell) "), result.stdout)
        }
    }
}
