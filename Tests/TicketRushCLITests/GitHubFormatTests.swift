import Foundation
import XCTest

/// CI that points at the line: `--format github` annotations, the step summary, the closing
/// block, `--rerun-failed` and `--shard auto`. Outcomes are fixed whatever the scheduler does:
/// a task-wide `flock` never oversells nor tears a read, and no purchase takes under 1ns.
final class GitHubFormatTests: XCTestCase {
    private func gated(name: String = "gated") -> String {
        """
        name: \(name)
        tickets: 2
        buyers: 2
        lock: {mode: flock, scope: task}
        trials: 2
        seed: 1
        expect: {no-oversell: violated}
        thresholds:
          latency.max: "< 1ns"

        """
    }

    private let passing = """
        name: fine
        tickets: 1
        buyers: 2
        lock: {mode: flock, scope: task}
        trials: 2
        seed: 2

        """

    /// Runs the binary with extra environment variables, and none of the CI systems' own
    /// (this test may itself run on one).
    private func run(_ args: [String], env: [String: String] = [:], in dir: URL) throws -> CLI.Result {
        try CLI.run(args, in: dir, env: env, unset: ["GITHUB_STEP_SUMMARY", "CI_NODE_INDEX", "CI_NODE_TOTAL", "JOB_COMPLETION_INDEX",
                                                     "TICKETRUSH_SHARDS", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"], timeout: 120)
    }

    func testGitHubFormatAnnotatesTheLineAndWritesTheStepSummary() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(gated(), to: "gated.yaml", in: dir)
        let fine = try CLI.write(passing, to: "fine.yaml", in: dir)
        let summary = dir.appendingPathComponent("summary.md").path
        let r = try run(["run", file, fine, "--format", "github", "--reports", dir.appendingPathComponent("r").path,
                         "--work", dir.appendingPathComponent("w").path], env: ["GITHUB_STEP_SUMMARY": summary], in: dir)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("::error file=\(file),line=7,col=10,title=gated%3A no-oversell::expected violated: ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("::error file=\(file),line=9,col=3,title=gated%3A threshold latency.max < 1ns::") }, r.stdout)
        XCTAssertEqual(lines.filter { $0.hasPrefix("::") }.count, 2, r.stdout)
        // The closing block: every unmet expectation with its rerun command.
        XCTAssertTrue(r.stdout.contains("── 2 unmet expectations ──"), r.stdout)
        XCTAssertTrue(r.stdout.contains("    rerun: ticketrush run \(file) --cell gated --seed 1"), r.stdout)
        let md = try String(contentsOfFile: summary, encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("## ticketrush: FAILED"), md)
        let failRow = try XCTUnwrap(md.range(of: "| FAIL | gated |")), passRow = try XCTUnwrap(md.range(of: "| PASS | fine |"))
        XCTAssertLessThan(failRow.lowerBound, passRow.lowerBound, "unmet cells first: \(md)")
        XCTAssertTrue(md.contains("ticketrush run \(file) --cell gated --seed 1"), md)
    }

    func testANewlineInANameCannotInjectAWorkflowCommand() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(gated(name: "\"evil\\n::warning::injected,%0A\""), to: "evil.yaml", in: dir)
        let r = try run(["run", file, "--format", "github", "--quiet", "--reports", dir.appendingPathComponent("r").path,
                         "--work", dir.appendingPathComponent("w").path], in: dir)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let commands = r.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        XCTAssertEqual(commands.count, 2, r.stdout)
        for c in commands {
            XCTAssertTrue(c.hasPrefix("::error "), String(c))
            XCTAssertTrue(c.contains("title=evil%0A%3A%3Awarning%3A%3Ainjected%2C%250A"), String(c))
        }
        // The closing block shows the name on one line too.
        XCTAssertTrue(r.stdout.contains("FAIL evil\\u000a::warning::injected,%0A :: no-oversell"), r.stdout)
    }

    func testRerunFailedRunsOnlyTheCellsThatDidNotPass() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(gated(), to: "gated.yaml", in: dir)
        let fine = try CLI.write(passing, to: "fine.yaml", in: dir)
        let reports = dir.appendingPathComponent("r").path, work = dir.appendingPathComponent("w").path
        XCTAssertEqual(try run(["run", file, fine, "--reports", reports, "--work", work, "--quiet"], in: dir).status, 1)
        let again = try run(["run", "--rerun-failed", "--reports", reports, "--work", work], in: dir)
        XCTAssertEqual(again.status, 1, again.stdout + again.stderr)
        XCTAssertTrue(again.stdout.contains("FAIL  gated"), again.stdout)
        XCTAssertFalse(again.stdout.contains("fine"), again.stdout)
        let trials = try String(contentsOfFile: reports + "/trials.json", encoding: .utf8)
        XCTAssertFalse(trials.contains("\"fine\""), "only the failed cell ran")

        // Once everything passes there is nothing to rerun.
        let ok = dir.appendingPathComponent("ok").path
        XCTAssertEqual(try run(["run", fine, "--reports", ok, "--work", work, "--quiet"], in: dir).status, 0)
        let none = try run(["run", "--rerun-failed", "--reports", ok, "--work", work], in: dir)
        XCTAssertEqual(none.status, 0, none.stdout + none.stderr)
        XCTAssertTrue(none.stdout.contains("nothing to rerun"), none.stdout)
        let missing = try run(["run", "--rerun-failed", "--reports", dir.appendingPathComponent("nope").path], in: dir)
        XCTAssertEqual(missing.status, 2, missing.stderr)
    }

    func testShardAutoReadsGitLabKubernetesAndSlurm() throws {
        let dir = try CLI.temporaryFolder(self)
        let fine = try CLI.write(passing, to: "fine.yaml", in: dir)
        let cases: [(env: [String: String], extra: [String], shard: String)] = [
            (["CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"], [], "2/2"),
            (["JOB_COMPLETION_INDEX": "0"], ["--shards", "2"], "1/2"),
            (["JOB_COMPLETION_INDEX": "1", "TICKETRUSH_SHARDS": "2"], [], "2/2"),
            (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"], [], "2/2"),
            (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1"], [], "1/2"),
        ]
        for (i, c) in cases.enumerated() {
            let reports = dir.appendingPathComponent("s\(i)").path
            let r = try run(["run", fine, "--shard", "auto", "--reports", reports, "--work", dir.appendingPathComponent("w").path] + c.extra,
                            env: c.env, in: dir)
            XCTAssertEqual(r.status, 0, "\(c.env): \(r.stdout)\(r.stderr)")
            XCTAssertTrue(r.stderr.contains("ticketrush: shard \(c.shard) ("), "\(c.env): \(r.stderr)")
            let summary = try String(contentsOfFile: reports + "/summary.json", encoding: .utf8)
            XCTAssertTrue(summary.contains("\"shard\": \"\(c.shard)\""), summary)
        }
        let none = try run(["run", fine, "--shard", "auto", "--reports", dir.appendingPathComponent("x").path], in: dir)
        XCTAssertEqual(none.status, 2, none.stderr)
        XCTAssertTrue(none.stderr.contains("no shard in the environment"), none.stderr)
        let k8s = try run(["run", fine, "--shard", "auto", "--reports", dir.appendingPathComponent("y").path],
                          env: ["JOB_COMPLETION_INDEX": "0"], in: dir)
        XCTAssertEqual(k8s.status, 2, k8s.stderr)
        XCTAssertTrue(k8s.stderr.contains("pass --shards N"), k8s.stderr)
        let out = try run(["run", fine, "--shard", "auto", "--reports", dir.appendingPathComponent("z").path],
                          env: ["CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "2"], in: dir)
        XCTAssertEqual(out.status, 2, out.stderr)
    }
}
