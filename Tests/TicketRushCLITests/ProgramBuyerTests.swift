import Foundation
import XCTest

/// The user's own program as the buyer (issue 11, docs/programs.md), through the built
/// binary: shipped examples judged by patterns and by protocol, a whole program in program
/// mode, and bad input and faults. Every run has its own --work folder, so leftovers are
/// found exactly: a process whose working folder is inside it belongs to this run.
final class ProgramBuyerTests: XCTestCase {
    private var root: String { CLI.repositoryRoot.path }

    private func leftovers(in work: URL) -> [String] { CLI.processes(inside: work) }

    /// Invariant → trials violated, from trials.json.
    private func violations(_ reports: URL) throws -> [String: Int] {
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var out: [String: Int] = [:]
        for trial in (object["trials"] as? [[String: Any]]) ?? [] {
            for result in (trial["results"] as? [[String: Any]]) ?? [] where (result["verdict"] as? String) == "violated" {
                out[result["invariant"] as? String ?? "?", default: 0] += 1
            }
        }
        return out
    }

    /// The shipped race scenario with the buyers meeting after their purchase read
    /// (`--rendezvous`): the race then oversells in every trial whatever the scheduler does
    /// (the shipped file relies on the tutorial's sleeps outlasting Python's start-up spread,
    /// which holds on a quiet machine but not under parallel tests and CPU hogs).
    private func certainRace(_ name: String, in dir: URL) throws -> String {
        var text = try String(contentsOfFile: "\(root)/scenarios/programs/\(name).yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"{name}\"]", with: "\"{name}\", --rendezvous]")
            .replacingOccurrences(of: "{dir}/../../", with: "\(root)/")
        XCTAssertTrue(text.contains("--rendezvous"))
        return try CLI.write(text, to: "\(name).yaml", in: dir)
    }

    /// A shipped controlled cell with `runs` schedules instead of its 20 (`--trials` does not
    /// cut a controlled cell's schedules): what these tests assert needs no more.
    private func fewerSchedules(_ name: String, runs: Int, in dir: URL) throws -> String {
        let text = try String(contentsOfFile: "\(root)/scenarios/programs/\(name).yaml", encoding: .utf8)
        let cut = text.replacingOccurrences(of: "runs: 20}", with: "runs: \(runs)}").replacingOccurrences(of: "{dir}/../../", with: "\(root)/")
        XCTAssertTrue(cut.contains("runs: \(runs)}"), name)
        return try CLI.write(cut, to: "\(name).yaml", in: dir)
    }

    /// The race oversells in every trial; the flock fix holds in every trial; judged by patterns.
    func testPythonRaceOversellsAndItsFlockFixHolds() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let result = try CLI.run(["run", try certainRace("python-race", in: dir), try fewerSchedules("python-flock", runs: 3, in: dir),
                                  "--trials", "3", "--quiet", "--work", work.path, "--reports", reports.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(try violations(reports), ["no-oversell": 3, "conservation": 3])  // the race's, every trial; the fix: none
        // Output kept per buyer in the trial folder.
        let out = try String(contentsOf: work.appendingPathComponent("python-flock/trial-1/buyer-1.out"), encoding: .utf8)
        XCTAssertTrue(out.contains("<路人1>用户 查看剩余票数为"), out)
        XCTAssertEqual(leftovers(in: work), [])
    }

    /// buy.sh's fix under control: syscalls, every schedule of two buyers within one
    /// preemption: the unlocked search never reads the document half written. Its in-place
    /// write (`> db.json`) let a search read the truncated file (4 of 32 schedules); the
    /// fix writes a temp file and renames it.
    func testShellFlockFixNeverReadsATornDocument() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: shell-flock-two
            tickets: 1
            buyers:
              count: 2
              name: "b{n}"
              command: [sh, "\(root)/examples/shell/buy.sh", "{name}", --lock]
              control: syscalls
            outcomes:
              search: '<(?<buyer>[^>]+)>用户 查看剩余票数为 \\[(?<value>\\d+)\\]'
              bought: '<(?<buyer>[^>]+)> 购票成功'
              sold-out: '<(?<buyer>[^>]+)> 没票了'
            schedule: {strategy: exhaustive, preemptions: 1, shrink: 0}
            timeout: 30s
            invariants: [no-oversell, no-torn-read, one-outcome]
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--reports", dir.appendingPathComponent("reports").path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(try violations(dir.appendingPathComponent("reports")), [:])
        XCTAssertTrue(result.stdout.contains("complete; violated in 0"), result.stdout)
    }

    /// The same buyer judged by what it prints and by what it reports: the same verdicts.
    func testPatternsAndProtocolGiveTheSameVerdicts() throws {
        let dir = try CLI.temporaryFolder(self)
        var seen: [String: [String: Int]] = [:]
        for name in ["python-race", "python-race-protocol", "python-flock", "python-flock-protocol"] {
            let reports = dir.appendingPathComponent("r-\(name)")
            let file = name.contains("race") ? try certainRace(name, in: dir) : try fewerSchedules(name, runs: 2, in: dir)
            let result = try CLI.run(["run", file, "--trials", "2", "--quiet", "--reports", reports.path])
            XCTAssertEqual(result.status, 0, name + ": " + result.stdout + result.stderr)
            seen[name] = try violations(reports)
        }
        XCTAssertEqual(seen["python-race"], ["no-oversell": 2, "conservation": 2])
        XCTAssertEqual(seen["python-race-protocol"], seen["python-race"])
        XCTAssertEqual(seen["python-flock"], [:])
        XCTAssertEqual(seen["python-flock-protocol"], [:])
    }

    /// The tutorial's whole program, its buyers started by multiprocessing: judged by names
    /// in its lines, and nothing it started outlives the run.
    func testWholeProgramIsJudgedAndLeavesNoProcessBehind() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work")
        let result = try CLI.run(["run", "\(root)/scenarios/programs/python-tutorial-race.yaml",
                                  try fewerSchedules("python-tutorial-lock", runs: 2, in: dir), "--trials", "2", "--work", work.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  python-tutorial-race"), result.stdout)
        // The lock runs under control: its schedules, whatever --trials says.
        XCTAssertTrue(result.stdout.contains("PASS  python-tutorial-lock  2 trials  sold 1 of 1"), result.stdout)
        XCTAssertEqual(leftovers(in: work), [])
    }

    /// A program that double-forks a daemon holding its output, and ignores SIGTERM: the
    /// runner kills the whole tree at the timeout (SIGKILL after the grace), and reaps it.
    func testDoubleForkingProgramIgnoringTermIsKilledAtTimeout() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work")
        let scenario = try CLI.write("""
            name: stubborn
            tickets: 1
            buyers: 2
            program:
              command: [sh, -c, "trap '' TERM; (trap '' TERM; setsid sleep 300 & sleep 300 &); sleep 300"]
            timeout: 1s
            invariants: [all-finished, no-deadlock]
            expect: {all-finished: violated, no-deadlock: violated}
            """, to: "s.yaml", in: dir)
        let started = Date()
        let result = try CLI.run(["run", scenario, "--work", work.path], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertEqual(leftovers(in: work), [])
    }

    /// A command that does not exist: every task ends in error, `exec failed: No such file or
    /// directory` in the log, the transcript and the failure text; nothing hangs; exit 0, as
    /// `expect` says all-finished is violated.
    func testExecFailureEndsEveryTaskInError() throws {
        let dir = try CLI.temporaryFolder(self)
        let events = dir.appendingPathComponent("events"), reports = dir.appendingPathComponent("reports")
        let scenario = try CLI.write("""
            name: missing
            tickets: 1
            buyers: {count: 3, command: [/nonexistent/buyer, "{name}"]}
            timeout: 30s
            invariants: [one-outcome, all-finished]
            expect: {all-finished: violated}
            """, to: "s.yaml", in: dir)
        let started = Date()
        let result = try CLI.run(["run", scenario, "--events", events.path, "--reports", reports.path, "--transcript"], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "exec failure must not wait for the timeout")
        let log = try String(contentsOf: events.appendingPathComponent("missing/trial-1.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: #""value":2,"reason":"exec failed","reason_text":"exec failed: No such file or directory""#).count - 1, 3, log)
        XCTAssertEqual(result.stdout.components(separatedBy: ": error (exec failed: No such file or directory)").count - 1, 3, result.stdout)
        let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains(#""summary": "3 buyers did not exit cleanly (exec failed: No such file or directory)""#), summary)
        let trials = try String(contentsOf: reports.appendingPathComponent("trials.json"), encoding: .utf8)
        XCTAssertTrue(trials.contains("buyer-1 exited 127 (exec failed: No such file or directory)"), trials)
        let validate = try CLI.run(["validate", scenario])
        XCTAssertTrue(validate.stdout.contains("command-not-found") || validate.stderr.contains("command-not-found"), validate.stdout + validate.stderr)
    }

    /// A file that is not executable: `exec failed: Permission denied` in the failure text
    /// (terminal, JUnit, summary.json), the log and the transcript; the trial is reported,
    /// nothing hangs, and the unmet expectation makes the exit code 1.
    func testNonExecutableCommandFailsWithItsErrnoText() throws {
        let dir = try CLI.temporaryFolder(self)
        let events = dir.appendingPathComponent("events"), reports = dir.appendingPathComponent("reports")
        let program = try CLI.write("#!/bin/sh\necho bought\n", to: "buy.sh", in: dir)
        XCTAssertEqual(chmod(program, 0o644), 0)
        let scenario = try CLI.write("""
            name: not-executable
            tickets: 1
            buyers: {count: 2, command: ["{dir}/buy.sh"]}
            timeout: 30s
            invariants: [one-outcome, all-finished]
            """, to: "s.yaml", in: dir)
        let started = Date()
        let result = try CLI.run(["run", scenario, "--events", events.path, "--reports", reports.path, "--transcript"], timeout: 60)
        XCTAssertEqual(result.status, 1, "all-finished was expected to hold: " + result.stdout + result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "exec failure must not wait for the timeout")
        XCTAssertTrue(result.stdout.contains("2 buyers did not exit cleanly (exec failed: Permission denied)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("buyer-1 exited 127 (exec failed: Permission denied)"), result.stdout)
        XCTAssertEqual(result.stdout.components(separatedBy: ": error (exec failed: Permission denied)").count - 1, 2, result.stdout)
        let log = try String(contentsOf: events.appendingPathComponent("not-executable/trial-1.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: #""value":13,"reason":"exec failed","reason_text":"exec failed: Permission denied""#).count - 1, 2, log)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("2 buyers did not exit cleanly (exec failed: Permission denied)\" type=\"InvariantViolated\">"), junit)
        XCTAssertTrue(junit.contains("buyer-1 exited 127 (exec failed: Permission denied), buyer-2 exited 127 (exec failed: Permission denied)"), junit)
        let summary = try String(contentsOf: reports.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("2 buyers did not exit cleanly (exec failed: Permission denied)"), summary)
        // validate says so before a run: the file exists but cannot be executed.
        let validate = try CLI.run(["validate", scenario])
        XCTAssertTrue(validate.stdout.contains("command-not-found") && validate.stdout.contains("not an executable file"),
                      validate.stdout + validate.stderr)
        XCTAssertEqual(chmod(program, 0o755), 0)
        let fixed = try CLI.run(["validate", scenario])
        XCTAssertFalse(fixed.stdout.contains("command-not-found") || fixed.stderr.contains("command-not-found"), fixed.stdout + fixed.stderr)
    }

    /// An invalid regular expression is a located error, exit 2.
    func testInvalidPatternIsALocatedError() throws {
        let dir = try CLI.temporaryFolder(self)
        let scenario = try CLI.write("""
            name: bad-pattern
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "echo hi"]}
            outcomes:
              bought: '(unclosed'
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario])
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("s.yaml:5:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("'outcomes.bought' is not a valid regular expression"), result.stderr)
    }

    /// Protocol lines that are not JSON or name no event kind are counted as malformed: the
    /// history is incomplete, invariants that need every event say unknown, nothing crashes.
    func testMalformedProtocolLinesMakeTheHistoryIncomplete() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let scenario = try CLI.write("""
            name: garbled
            tickets: 1
            buyers: {count: 1, command: [sh, -c, "echo 'not json' >&3; echo '{\\"event\\": \\"teleport\\"}' >&3; echo '{\\"event\\": \\"search.read\\", \\"value\\": 1}' >&3; echo '{\\"event\\": \\"bought\\"}' >&3"]}
            invariants: [one-outcome]
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--reports", reports.path])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("2 malformed event records"), result.stdout)
        let trials = try String(contentsOf: reports.appendingPathComponent("trials.json"), encoding: .utf8)
        XCTAssertTrue(trials.contains("\"unknown\""), trials)
    }

    /// A buyer that floods its output keeps 1 MiB in buyer-N.out; the rest is counted.
    func testFloodingOutputIsBounded() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work")
        let scenario = try CLI.write("""
            name: flood
            tickets: 1
            buyers: {count: 1, command: [sh, -c, "head -c 8000000 /dev/zero | tr '\\\\0' x | fold -w 100; echo '<1> bought'"]}
            outcomes: {bought: '> bought$'}
            invariants: [no-oversell, one-outcome]
            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--work", work.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let out = work.appendingPathComponent("flood/trial-1/buyer-1.out")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int)
        XCTAssertLessThanOrEqual(size, (1 << 20) + 200)
        let text = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("more bytes dropped]\n"), String(text.suffix(200)))
    }
}
