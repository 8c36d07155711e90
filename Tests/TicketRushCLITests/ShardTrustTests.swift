import Foundation
import TicketRushTestSupport
import XCTest

/// A shard's output, JUnit and exit status agree, and only `merge` judges what needs every
/// trial; thresholds gate end to end. A task-wide `flock` never oversells nor tears a read: whatever the scheduler
/// does, "no-oversell: violated" is never seen, so these outcomes are fixed.
final class ShardTrustTests: XCTestCase {
    private let neverViolated = """
        name: never-violated
        tickets: 1
        buyers: 2
        lock: {mode: flock, scope: task}
        trials: 4
        seed: 3
        expect: {no-oversell: violated}

        """

    func testAShardPendsWhatOnlyTheMergeCanJudgeAndExitsZero() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(neverViolated, to: "never.yaml", in: dir)
        var folders: [String] = []
        for k in 1...2 {
            let out = dir.appendingPathComponent("shard-\(k)").path
            folders.append(out)
            let r = try CLI.run(["run", file, "--shard", "\(k)/2", "--reports", out, "--work", dir.appendingPathComponent("work").path])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            XCTAssertFalse(r.stdout.contains("FAIL"), r.stdout)
            XCTAssertTrue(r.stdout.contains("PENDING  never-violated"), r.stdout)
            XCTAssertTrue(r.stdout.contains("1 pending: judged at merge"), r.stdout)
            let junit = try String(contentsOfFile: out + "/junit.xml", encoding: .utf8)
            XCTAssertTrue(junit.contains("<skipped>judged at merge"), junit)
            XCTAssertFalse(junit.contains("<failure"), junit)
            let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
            XCTAssertTrue(summary.contains("\"passed\": true"), summary)
            XCTAssertTrue(summary.contains("\"pending\": 1"), summary)
            try CheckJUnit.assertValid(out + "/junit.xml")
        }
        let merged = dir.appendingPathComponent("merged").path
        let m = try CLI.run(["merge"] + folders + ["--reports", merged])
        XCTAssertEqual(m.status, 1, m.stdout + m.stderr)
        XCTAssertTrue(m.stdout.contains("FAIL  never-violated"), m.stdout)
        let junit = try String(contentsOfFile: merged + "/junit.xml", encoding: .utf8)
        XCTAssertTrue(junit.contains("type=\"ViolationNotObserved\""), junit)
        try CheckJUnit.assertValid(merged + "/junit.xml")
    }

    func testThresholdsAreExpectationsInEveryReport() throws {
        let dir = try CLI.temporaryFolder(self)
        // Impossible and trivially met thresholds: the outcome does not depend on timing.
        let file = try CLI.write("""
            name: gated
            tickets: 2
            buyers: 2
            lock: {mode: flock, scope: task}
            trials: 2
            seed: 1
            thresholds:
              latency.max: "< 1ns"
              purchases_per_second: "> 0"
              retries_per_purchase: "<= 0"

            """, to: "gated.yaml", in: dir)
        let out = dir.appendingPathComponent("r").path
        let r = try CLI.run(["run", file, "--reports", out, "--work", dir.appendingPathComponent("w").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("threshold latency.max < 1ns: latency.max was "), r.stdout)
        XCTAssertTrue(r.stdout.contains("9 of 10 expectations met, 1 not"), r.stdout)
        let junit = try String(contentsOfFile: out + "/junit.xml", encoding: .utf8)
        XCTAssertTrue(junit.contains("name=\"threshold latency.max &lt; 1ns\""), junit)
        XCTAssertTrue(junit.contains("type=\"ThresholdNotMet\""), junit)
        XCTAssertTrue(junit.contains("at \(file):8:"), "the failure says where the threshold is written: \(junit)")
        try CheckJUnit.assertValid(out + "/junit.xml")
        let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
        XCTAssertTrue(summary.contains("{\"metric\": \"latency.max\", \"condition\": \"< 1ns\", \"status\": \"unmet\""), summary)
        XCTAssertTrue(summary.contains("{\"metric\": \"purchases_per_second\", \"condition\": \"> 0\", \"status\": \"met\""), summary)
        XCTAssertTrue(summary.contains("\"unmet\": 1"), summary)
    }

    func testUnknownMetricsAndMalformedComparisonsAreLocatedErrors() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: bad
            tickets: 1
            buyers: 2
            thresholds:
              latency.p98: "< 50ms"
              purchases_per_second: "fast"
              latency.p99: "< 50 parsecs"
              retries_per_purchase: "< 1ms"

            """, to: "bad.yaml", in: dir)
        let r = try CLI.run(["validate", file])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        let all = r.stdout + r.stderr
        XCTAssertTrue(all.contains("bad.yaml:5:3: error: unknown key 'latency.p98' in 'thresholds'; did you mean"), all)
        let run = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path])
        XCTAssertEqual(run.status, 2, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("bad.yaml:5:3: error: unknown key 'latency.p98'"), run.stderr)
        // Once the metric is known, each malformed comparison is its own located error.
        let fixed = try CLI.write(try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "latency.p98", with: "latency.p50"),
                                  to: "fixed.yaml", in: dir)
        let v = try CLI.run(["validate", fixed])
        let text = v.stdout + v.stderr
        XCTAssertEqual(v.status, 2, text)
        XCTAssertTrue(text.contains("fixed.yaml:6:25: error: 'thresholds.purchases_per_second' must be a comparison such as \"> 100\""), text)
        XCTAssertTrue(text.contains("fixed.yaml:7:16: error: 'thresholds.latency.p99' must compare with a duration"), text)
        XCTAssertTrue(text.contains("fixed.yaml:8:25: error: 'thresholds.retries_per_purchase' must compare with a plain number"), text)
    }
}

/// ../shared/tools/check-junit with the Jenkins and JUnit 4 schemas; skips when it cannot run here.
enum CheckJUnit {
    static func assertValid(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let checker = CLI.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/check-junit")
        guard FileManager.default.fileExists(atPath: checker.path) else { throw XCTSkip("../shared/tools/check-junit is not beside this checkout") }
        let check = try runTool("/usr/bin/env", ["python3", checker.path, "--xsd", "jenkins", "--xsd", "junit4", path])
        let text = check.stdout + check.stderr
        if check.status == 2 { throw XCTSkip("check-junit cannot run here (pip install junitparser xmlschema): \(text)") }
        XCTAssertEqual(check.status, 0, text, file: file, line: line)
    }
}
