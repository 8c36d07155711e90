import Foundation
import XCTest

/// issue 19 item 10, through the binary: a search the scenario bounded says how far it got,
/// in the terminal, JUnit, summary.json and index.html.
final class StoppedSearchCLITests: XCTestCase {
    func testABudgetSetByTheScenarioIsReportedAsExploredNotProved() throws {
        let dir = try CLI.temporaryFolder(self)
        // runs counts schedules started (sleep sets cut some short), time lets one run.
        for (name, schedule) in [("by-runs", "{strategy: exhaustive, runs: 3}"), ("by-time", "{strategy: exhaustive, time: 0s}")] {
            let file = try CLI.write("""
                name: \(name)
                tickets: 1
                buyers: 3
                storage: {write: atomic}
                lock: {mode: flock, scope: purchase}
                schedule: \(schedule)
                seed: 1
                invariants: [no-oversell, conservation]
                """, to: "\(name).yaml", in: dir)
            let reports = dir.appendingPathComponent("reports-\(name)")
            let r = try CLI.run(["run", file, "--reports", reports.path], timeout: 120)
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            let n = try XCTUnwrap(CLI.number(#"holds in (\d+) explored schedule"#, in: r.stdout), r.stdout)
            XCTAssertTrue((1...3).contains(n), r.stdout)
            if name == "by-time" { XCTAssertEqual(n, 1, "a budget of 0s still runs one schedule") }
            let explored = n == 1 ? "1 explored schedule" : "\(n) explored schedules"
            XCTAssertTrue(r.stdout.contains("holds in \(explored), not in every interleaving: the search stopped at the scenario's"), r.stdout)
            let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
            XCTAssertTrue(junit.contains("expect hold: holds in \(explored) (not every interleaving"), junit)
            let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
            XCTAssertTrue(summary.contains("\"stopped_by\": \"\(name == "by-runs" ? "runs" : "time")\""), summary)
            let html = try String(contentsOf: reports.appendingPathComponent("index.html"), encoding: .utf8)
            XCTAssertTrue(html.contains("holds in \(explored)"), "index.html")
        }
    }
}
