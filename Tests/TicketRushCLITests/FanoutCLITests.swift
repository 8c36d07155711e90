import Foundation
import TicketRushTestSupport
import XCTest

/// `ticketrush fanout` through the built binary: local shards merged equal one machine's run
/// trial by trial; a shard killed is named and leaves the verdict incomplete (or, with
/// --retries, runs again); every engine's --dry-run is a valid description whose command
/// lines the real CLI parses.
final class FanoutCLITests: XCTestCase {
    /// Verdicts no scheduler can change: controlled schedules (one unit per cell, replayed
    /// from the seed) and a locked timing scenario (one unit per trial) that holds always.
    private let deterministic = """
        name: fan-sweep
        tickets: 1
        buyers: 2
        lock: none
        schedule: {strategy: random, runs: 6}
        seed: 3
        matrix:
          lock.mode: [none, flock]
          buyers.count: [2, 3]
        ---
        name: fan-locked
        tickets: 2
        buyers: 3
        lock: flock
        storage: {write: atomic}   # no torn read either: every verdict holds in every trial
        trials: 5
        seed: 4
        invariants: [no-oversell, conservation, no-torn-read, all-finished]
        expect: {no-oversell: hold, conservation: hold, no-torn-read: hold}
        """

    /// (scenario, trial, seed, every invariant's verdict) of each trial of a trials.json.
    private func trials(_ folder: URL) throws -> [String] {
        let data = try Data(contentsOf: folder.appendingPathComponent("trials.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try XCTUnwrap(root["trials"] as? [[String: Any]])
        return list.map { t in
            let verdicts = ((t["results"] as? [[String: Any]]) ?? []).map { "\($0["invariant"] ?? "")=\($0["verdict"] ?? "")" }.sorted()
            return "\(t["scenario"] ?? "") #\(t["trial"] ?? "") seed \(t["seed"] ?? "") \(verdicts.joined(separator: ","))"
        }.sorted()
    }

    func testThreeLocalShardsMergedEqualOneMachinesRun() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(deterministic, to: "fan.yaml", in: dir)
        let single = dir.appendingPathComponent("single"), fanned = dir.appendingPathComponent("fanned")
        let one = try CLI.run(["run", file, "--quiet", "--reports", single.path], in: dir)
        let fan = try CLI.run(["fanout", "--via", "local", "--shards", "3", file, "--quiet", "--reports", fanned.path], in: dir)
        XCTAssertEqual(fan.status, one.status, "fanout: \(fan.stdout)\(fan.stderr)\nrun: \(one.stderr)")
        let a = try trials(single), b = try trials(fanned)
        XCTAssertEqual(a.count, 4 * 6 + 5)
        XCTAssertEqual(b, a, "the fan-out's trials differ from one machine's")
        for k in 1...3 { XCTAssertTrue(FileManager.default.fileExists(atPath: fanned.appendingPathComponent("shards/\(k)/trials.json").path)) }
        let summary = try String(contentsOf: fanned.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"complete\": true"), summary)
        // Planned by the durations the single run measured: another partition, the same trials.
        let measured = dir.appendingPathComponent("measured")
        let again = try CLI.run(["fanout", "--via", "local", "--shards", "3", "--balance-from", single.path, file, "--quiet",
                                 "--reports", measured.path], in: dir)
        XCTAssertEqual(again.status, one.status, again.stdout + again.stderr)
        XCTAssertEqual(try trials(measured), a)
        let log = try String(contentsOf: measured.appendingPathComponent("fanout-local.sh"), encoding: .utf8)
        XCTAssertTrue(log.contains("--balance-from"), log)
    }

    func testABadScenarioStopsAtItsLineBeforeAnyShardStarts() throws {
        let dir = try CLI.temporaryFolder(self)
        let bad = try CLI.write("name: bad\ntickets: 1\nbuyers: two\n", to: "bad.yaml", in: dir)
        let reports = dir.appendingPathComponent("fanned")
        let r = try CLI.run(["fanout", "--via", "local", "--shards", "2", bad, "--reports", reports.path], in: dir)
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertNotNil(CLI.captures(#"bad\.yaml:3:\d+: error"#, in: r.stderr), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports.appendingPathComponent("shards").path), "shards were started")
    }

    func testBalanceNeedsAShardAndAReadableEarlierRun() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(deterministic, to: "fan.yaml", in: dir)
        let alone = try CLI.run(["run", file, "--balance"], in: dir)
        XCTAssertEqual(alone.status, 2, alone.stderr)
        XCTAssertTrue(alone.stderr.contains("only apply to --shard"), alone.stderr)
        let missing = dir.appendingPathComponent("nowhere").path
        let r = try CLI.run(["run", file, "--shard", "1/2", "--balance-from", missing], in: dir)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(missing)/trials.json:1:1: error: --balance-from"), r.stderr)
    }

    /// One buyer per trial that waits for RELEASE: every shard is running when shard 2 is killed,
    /// whatever the scheduler does, and the others finish only once the test lets them.
    private func gated(_ dir: URL) throws -> (file: String, release: URL) {
        let release = dir.appendingPathComponent("RELEASE")
        let file = try CLI.write("""
            name: gated
            tickets: 1
            buyers:
              count: 1
              command: [sh, -c, "while [ ! -e '\(release.path)' ]; do sleep 0.02; done; echo bought"]
            outcomes: {bought: '^bought$'}
            invariants: [no-oversell, all-finished]
            expect: {no-oversell: hold, all-finished: hold}
            trials: 3
            timeout: 120s
            seed: 9
            """, to: "gated.yaml", in: dir)
        return (file, release)
    }

    /// Starts the fan-out, waits until shard 2 runs, kills it, then releases the others.
    private func killShardTwo(_ extra: [String], in dir: URL) throws -> CommandResult {
        let (file, release) = try gated(dir)
        let reports = dir.appendingPathComponent("fanned").path
        let running = try TicketRushBinary.start(["fanout", "--via", "local", "--shards", "3", file, "--reports", reports] + extra, in: dir)
        defer { running.kill() }
        var victim: pid_t?
        XCTAssertTrue(poll(within: 60) {
            // The runner of shard 2 is the fan-out's child (its forked keepers share its command line).
            victim = ProcessTable.snapshot().values.first { $0.ppid == running.pid && ProcessTable.commandLine($0.pid).contains("--shard 2/3") }?.pid
            return victim != nil || !running.isRunning
        }, "shard 2 never started")
        if let victim { kill(victim, SIGKILL) }
        XCTAssertTrue(FileManager.default.createFile(atPath: release.path, contents: Data()))
        return try running.finish(timeout: 120)
    }

    func testAKilledLocalShardIsNamedAndTheVerdictIsIncomplete() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try killShardTwo([], in: dir)
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("shard 2/3 lost (process"), r.stderr)
        XCTAssertTrue(r.stderr.contains("killed by signal 9"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--shard 2/3"), "no command to rerun the shard: \(r.stderr)")
        let reports = dir.appendingPathComponent("fanned")
        let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"passed\": false"), summary)
        XCTAssertTrue(summary.contains("\"complete\": false"), summary)
        XCTAssertTrue(summary.contains("shard 2/3 lost"), summary)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("RunIncomplete"), junit)
    }

    func testAKilledLocalShardRunsAgainWithRetries() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try killShardTwo(["--retries", "1"], in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("shard 2/3 lost (process"), r.stderr)
        XCTAssertTrue(r.stderr.contains("submitting it again (1 of 1)"), r.stderr)
        let summary = try String(contentsOf: dir.appendingPathComponent("fanned/summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"complete\": true"), summary)
    }
}

/// Every engine's `--dry-run`: a description its engine accepts (bash -n; the batch/v1 Job
/// schema; YAML with the keys GitHub and GitLab read), whose shard command lines the real
/// CLI parses (`dry-parse`), printing and submitting nothing else.
final class FanoutDryRunTests: XCTestCase {
    private func dryRun(_ via: String, in dir: URL) throws -> String {
        let r = try CLI.run(["fanout", "--via", via, "--shards", "3", "--dry-run", "scenarios/first", "--trials", "2",
                             "-k", "race", "--reports", "out dir/r"], in: dir)
        XCTAssertEqual(r.status, 0, "\(via): \(r.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out dir").path), "\(via): a dry run wrote")
        return r.stdout
    }

    /// Runs python3 `code` with the description on stdin; its stdout is JSON.
    private func python(_ code: String, input: String, in dir: URL) throws -> Any {
        let script = try CLI.write(code, to: "check.py", in: dir), text = try CLI.write(input, to: "input.txt", in: dir)
        let r = try runTool("/usr/bin/env", ["python3", script, text], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// The shard command line of a description, with the engine's variables given a value,
    /// split as the shell splits it: everything after the executable.
    private func shardArguments(_ line: String, in dir: URL) throws -> [[String]] {
        let code = """
            import json, shlex, sys
            line = open(sys.argv[1]).read()
            out = []
            for k in ("1", "3"):
                text = line.split(" || ")[0]
                for var in ("$SLURM_ARRAY_TASK_ID", "$((JOB_COMPLETION_INDEX + 1))", "${{ matrix.shard }}", "$CI_NODE_INDEX"):
                    text = text.replace(var, k)
                words = shlex.split(text)
                out.append(words[1:])
            print(json.dumps(out))
            """
        return try XCTUnwrap(python(code, input: line, in: dir) as? [[String]])
    }

    private func assertParses(_ line: String, _ via: String, in dir: URL) throws {
        for args in try shardArguments(line, in: dir) {
            XCTAssertEqual(args.first, "run", "\(via): \(args)")
            XCTAssertTrue(args.contains("--shard") && args.contains("--balance"), "\(via): \(args)")
            let r = try CLI.run(["dry-parse"] + args, in: dir)
            XCTAssertEqual(r.status, 0, "\(via): \(args): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("RunCommand"), "\(via): \(r.stdout)")
        }
    }

    func testSlurmScriptIsValidShell() throws {
        let dir = try CLI.temporaryFolder(self)
        let script = try dryRun("slurm", in: dir)
        let file = try CLI.write(script, to: "job.sbatch", in: dir)
        let r = try runTool("/bin/bash", ["-n", file], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(script.contains("#SBATCH --array=1-3"), script)
        let line = try XCTUnwrap(script.split(separator: "\n").first { $0.contains(" run ") && !$0.hasPrefix("#") })
        try assertParses(String(line), "slurm", in: dir)
        // The user's --reports is the merge's; each shard gets its own folder, once.
        XCTAssertEqual(line.components(separatedBy: "--reports").count, 2, String(line))
        XCTAssertTrue(line.contains("--reports \"out dir/r/shards/$SLURM_ARRAY_TASK_ID\""), String(line))
    }

    func testKubernetesManifestIsABatchV1IndexedJob() throws {
        let dir = try CLI.temporaryFolder(self)
        let manifest = try dryRun("kubernetes", in: dir)
        let schema = CLI.repositoryRoot.appendingPathComponent("Tests/Fixtures/kubernetes/job-batch-v1.json").path
        let code = """
            import json, sys
            try:
                import jsonschema, yaml
            except ImportError as e:
                print(json.dumps({"skip": str(e)})); sys.exit(0)
            job = yaml.safe_load(open(sys.argv[1]))
            schema = json.load(open("\(schema)"))
            errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(job)]
            # The same validator refuses a field batch/v1 does not have: the check can fail.
            bad = dict(job, spec=dict(job["spec"], completionsMode="Indexed"))
            refused = any(True for _ in jsonschema.Draft202012Validator(schema).iter_errors(bad))
            print(json.dumps({"errors": errors, "refused": refused, "spec": job["spec"],
                              "args": job["spec"]["template"]["spec"]["containers"][0]["args"]}))
            """
        let out = try XCTUnwrap(python(code, input: manifest, in: dir) as? [String: Any])
        if let skip = out["skip"] { throw XCTSkip("python3 jsonschema or yaml missing: \(skip)") }
        XCTAssertEqual(out["errors"] as? [String], [], manifest)
        XCTAssertEqual(out["refused"] as? Bool, true)
        let spec = try XCTUnwrap(out["spec"] as? [String: Any])
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        XCTAssertEqual(spec["completions"] as? Int, 3)
        XCTAssertEqual(spec["parallelism"] as? Int, 3)
        let args = try XCTUnwrap(out["args"] as? [String])
        try assertParses(try XCTUnwrap(args.first), "kubernetes", in: dir)
    }

    func testGitHubAndGitLabJobsAreYamlWithTheirKeys() throws {
        let dir = try CLI.temporaryFolder(self)
        let code = """
            import json, sys
            import yaml
            doc = yaml.safe_load(open(sys.argv[1]))
            print(json.dumps(doc))
            """
        let github = try XCTUnwrap(python(code, input: try dryRun("github", in: dir), in: dir) as? [String: Any])
        let jobs = try XCTUnwrap(github["jobs"] as? [String: Any])
        let shard = try XCTUnwrap(jobs["shard"] as? [String: Any]), merge = try XCTUnwrap(jobs["merge"] as? [String: Any])
        let matrix = try XCTUnwrap((shard["strategy"] as? [String: Any])?["matrix"] as? [String: Any])
        XCTAssertEqual(matrix["shard"] as? [Int], [1, 2, 3])
        XCTAssertEqual(merge["needs"] as? String, "shard")
        let steps = try XCTUnwrap(shard["steps"] as? [[String: Any]]).compactMap { $0["run"] as? String }
        try assertParses(try XCTUnwrap(steps.first { $0.contains(" run ") }), "github", in: dir)
        let mergeRun = try XCTUnwrap(merge["steps"] as? [[String: Any]]).compactMap { $0["run"] as? String }
        XCTAssertTrue(mergeRun.contains { $0.contains(" merge ") }, "\(mergeRun)")

        let gitlab = try XCTUnwrap(python(code, input: try dryRun("gitlab", in: dir), in: dir) as? [String: Any])
        let job = try XCTUnwrap(gitlab["ticketrush-shard"] as? [String: Any])
        XCTAssertEqual(job["parallel"] as? Int, 3)
        let script = try XCTUnwrap(job["script"] as? [String])
        XCTAssertTrue(script[0].contains("--shard auto"), script[0])
        try assertParses(script[0], "gitlab", in: dir)
        XCTAssertNotNil(gitlab["ticketrush-merge"])
    }

    func testLocalScriptIsValidShellAndParses() throws {
        let dir = try CLI.temporaryFolder(self)
        let script = try dryRun("local", in: dir)
        let file = try CLI.write(script, to: "local.sh", in: dir)
        XCTAssertEqual(try runTool("/bin/bash", ["-n", file], in: dir).status, 0)
        let lines = script.split(separator: "\n").filter { $0.contains(" run ") }
        XCTAssertEqual(lines.count, 3, script)
        for line in lines { try assertParses(String(line.split(separator: ">")[0]), "local", in: dir) }
    }

    func testRunArgumentsAreCheckedByRunsParser() throws {
        let bad = try CLI.run(["fanout", "--via", "local", "--shards", "2", "--dry-run", "--trials", "0", "scenarios/first"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--trials must be at least 1"), bad.stderr)
        let shard = try CLI.run(["fanout", "--via", "local", "--shards", "2", "--dry-run", "--shard", "1/2", "scenarios/first"])
        XCTAssertEqual(shard.status, 2, shard.stderr)
        let unknown = try CLI.run(["fanout", "--via", "local", "--shards", "2", "--dry-run", "--no-such-option", "scenarios/first"])
        XCTAssertEqual(unknown.status, 2, unknown.stderr)
    }

    /// docs/ci.md's "Past one machine" shows each engine's description as the code writes it.
    /// `UPDATE_DOCS=1 swift test --filter FanoutDryRunTests` rewrites the blocks.
    func testTheDocsShowWhatTheCodeWrites() throws {
        let doc = CLI.repositoryRoot.appendingPathComponent("docs/ci.md")
        var text = try String(contentsOf: doc, encoding: .utf8)
        let original = text
        for via in ["slurm", "kubernetes", "github", "gitlab", "local"] {
            let r = try CLI.run(["fanout", "--via", via, "--shards", "3", "--dry-run", "--executable", "/opt/ticketrush/bin/ticketrush",
                                 "--chdir", "/shared/project", "scenarios/sweep-locks.yaml", "--seed", "42", "--reports", "results"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let open = "<!-- fanout --via \(via) -->\n"
            let start = try XCTUnwrap(text.range(of: open), "docs/ci.md has no block for \(via)")
            let end = try XCTUnwrap(text.range(of: "<!-- /fanout -->", range: start.upperBound..<text.endIndex))
            let fence = text[start.upperBound...].prefix { $0 != "\n" }
            let body = r.stdout.hasSuffix("\n\n") ? String(r.stdout.dropLast()) : r.stdout
            text.replaceSubrange(start.upperBound..<end.lowerBound, with: "\(fence)\n\(body)```\n")
        }
        if ProcessInfo.processInfo.environment["UPDATE_DOCS"] == "1" {
            if text != original { try text.write(to: doc, atomically: true, encoding: .utf8) }
            return
        }
        XCTAssertEqual(text, original, "docs/ci.md's fanout descriptions are stale: UPDATE_DOCS=1 swift test --filter FanoutDryRunTests")
    }

}
