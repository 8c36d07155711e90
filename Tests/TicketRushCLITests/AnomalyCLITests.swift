import Foundation
import TicketRushTestSupport
import XCTest

/// The anomaly checker end to end, through the built binary and real buyers on the JSON
/// file under a controlled schedule (exhaustive: no timing luck): no lock loses an update,
/// named with its cycle; flock is serializable in every interleaving.
final class AnomalyCLITests: XCTestCase {
    private func trials(_ reports: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(root["trials"] as? [[String: Any]])
    }

    func testNoLockLosesAnUpdateAndFlockIsSerializableInEverySchedule() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: unlocked
            tickets: 2
            buyers: 2
            storage: {write: atomic}
            lock: none
            schedule: {strategy: exhaustive, shrink: 0}
            seed: 7
            invariants: [conservation, serializable]
            expect: {conservation: violated, serializable: violated, lost-update: violated}
            ---
            name: flock
            tickets: 3
            buyers: 3
            storage: {write: atomic}
            lock: {mode: flock, scope: purchase}
            schedule: {strategy: exhaustive, shrink: 0}
            seed: 7
            invariants: [conservation, serializable]
            """, to: "anomalies.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", dir.appendingPathComponent("work").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        var lost = 0, held = 0
        for t in try trials(reports) {
            let results = try XCTUnwrap(t["results"] as? [[String: Any]])
            let verdicts = Dictionary(uniqueKeysWithValues: results.map { ($0["invariant"] as! String, $0["verdict"] as! String) })
            if (t["scenario"] as? String) == "flock" {
                // Every interleaving: every model anomaly judged, none found, nothing unknown.
                XCTAssertEqual(Set(verdicts.values), ["holds"], "\(verdicts)")
                XCTAssertEqual(verdicts.count, 10)
                held += 1
                continue
            }
            // The cross-check, per trial: conservation is violated exactly when an update was lost.
            XCTAssertEqual(verdicts["conservation"], verdicts["lost-update"], "\(verdicts)")
            XCTAssertEqual(verdicts["serializable"], verdicts["lost-update"], "\(verdicts)")
            guard verdicts["lost-update"] == "violated" else { continue }
            lost += 1
            let result = try XCTUnwrap(results.first { $0["invariant"] as? String == "lost-update" })
            let summary = try XCTUnwrap(result["summary"] as? String)
            XCTAssertTrue(summary.hasPrefix("lost-update: T"), summary)
            XCTAssertTrue(summary.contains("(rw: ") && summary.contains("(ww: "), summary)
            let evidence = try XCTUnwrap((result["evidence"] as? [String: Any])?["anomalies"] as? [String: Any])
            let found = try XCTUnwrap(evidence["found"] as? [[String: Any]])
            XCTAssertEqual(found.first?["anomaly"] as? String, "lost-update")
            XCTAssertEqual((found.first?["steps"] as? [[String: Any]])?.map { $0["kind"] as? String }, ["rw", "ww"])
        }
        XCTAssertGreaterThan(lost, 0)
        XCTAssertGreaterThan(held, 1)
    }

    /// Expected to be serializable and it is not: the failure names the anomaly and its cycle.
    func testTheFailureNamesTheAnomalyAndItsCycle() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: unlocked
            tickets: 1
            buyers: 2
            storage: {write: atomic}
            lock: none
            schedule: {strategy: exhaustive, shrink: 0}
            seed: 7
            invariants: [snapshot-isolation]
            """, to: "si.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", dir.appendingPathComponent("work").path, "--export", "elle"], timeout: 300)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        // --export elle: one file per trial, each an array of invoke/ok operations over key 0.
        for trial in 1...6 {
            let data = try Data(contentsOf: reports.appendingPathComponent("elle/unlocked/trial-\(trial).json"))
            let ops = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            XCTAssertEqual(ops.map { $0["type"] as? String }.filter { $0 == "invoke" }.count, 2)
            XCTAssertEqual(ops.count, 4)
        }
        XCTAssertTrue(r.stdout.contains("snapshot-isolation") && r.stdout.contains("lost-update: T"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(ww: T"), r.stdout)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("lost-update: T"), junit)
        // The HTML draws the failing trial's timeline and, under it, the cycle in words.
        let html = try String(contentsOf: reports.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<ul class=\"cycles\"><li><b>lost-update</b>: T"), "no cycle under the timeline")
    }
}
