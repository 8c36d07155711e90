import Foundation
import XCTest

/// Issue 19 items 11 and 15 (the server line) against the binary under test: a scenario
/// file is code, so `validate` lists what it runs and `--rerun-failed` does not run a file
/// that only a reports folder names; a private server's start line is printed once.
final class TrustFaultTests: XCTestCase {
    /// A cell that fails (its expected violation cannot happen) and touches `marker` from every buyer.
    private func planted(marker: URL) -> String {
        "name: planted\ntickets: 1\ntrials: 1\nseed: 1\nbuyers: {count: 2, command: [sh, -c, \"touch '\(marker.path)'\"]}\n"
            + "outcomes: {bought: '^never$'}\ninvariants: [no-oversell]\nexpect: {no-oversell: violated}\n"
    }

    func testValidateListsTheCommandsAScenarioRuns() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("""
            name: per-buyer
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "echo it's $TICKETRUSH_NAME"]}
            ---
            name: whole
            tickets: 1
            buyers: 2
            program: {command: [python3, "{dir}/buy.py"]}
            ---
            name: built-in
            tickets: 1
            buyers: 2
            """, to: "c.yaml", in: tmp)
        let text = try FaultCLI.run(["validate", file])
        XCTAssertEqual(text.status, 0, text.stdout)
        let notes = text.stdout.split(separator: "\n").filter { $0.contains(": note: runs ") }
        XCTAssertEqual(notes, [
            "\(file):3:29: note: runs sh -c 'echo it'\\''s $TICKETRUSH_NAME' once per buyer, as the user running ticketrush (buyers.command of 'per-buyer')",
            "\(file):8:20: note: runs python3 {dir}/buy.py once per trial, starting its own buyers, as the user running ticketrush (program.command of 'whole')",
        ], text.stdout)
        XCTAssertTrue(text.stdout.contains("a scenario file is code"), text.stdout)
        let json = try FaultCLI.run(["validate", "--format", "json", file])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let commands = ((object?["files"] as? [[String: Any]])?.first?["commands"] as? [[String: Any]]) ?? []
        XCTAssertEqual(commands.map { $0["key"] as? String }, ["buyers.command", "program.command"], json.stdout)
        XCTAssertEqual(commands.first?["argv"] as? [String], ["sh", "-c", "echo it's $TICKETRUSH_NAME"], json.stdout)
        // A file without commands says nothing about commands.
        let plain = try FaultCLI.write("name: plain\ntickets: 1\nbuyers: 2\n", to: "p.yaml", in: tmp)
        let quiet = try FaultCLI.run(["validate", plain])
        XCTAssertFalse(quiet.stdout.contains("note:") || quiet.stdout.contains("code"), quiet.stdout)
    }

    /// A trials.json naming a file outside the current folder (and not named) does not run it.
    func testRerunFailedRunsNoFileOnlyTheReportsName() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let outside = tmp.appendingPathComponent("outside"), inside = tmp.appendingPathComponent("inside")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        let marker = tmp.appendingPathComponent("ran")
        let file = try FaultCLI.write(planted(marker: marker), to: "planted.yaml", in: outside)
        let reports = tmp.appendingPathComponent("shared-reports").path
        let first = try FaultCLI.run(["run", file, "--reports", reports, "--quiet"], in: outside)
        XCTAssertEqual(first.status, 1, first.stdout + first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path), "the planted scenario must run when named")
        try FileManager.default.removeItem(at: marker)

        let refused = try FaultCLI.run(["run", "--rerun-failed", "--reports", reports, "--quiet"], in: inside)
        XCTAssertEqual(refused.status, 2, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--rerun-failed: \(reports)/trials.json names '\(file)'"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--trust-reports"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "a file only the reports name ran")

        // Named on the command line, or with --trust-reports, it runs (and still fails).
        for args in [[file, "--rerun-failed"], ["--rerun-failed", "--trust-reports"]] {
            let ran = try FaultCLI.run(["run"] + args + ["--reports", reports, "--quiet"], in: inside)
            XCTAssertEqual(ran.status, 1, ran.stdout + ran.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path), "\(args)")
            try FileManager.default.removeItem(at: marker)
        }
        let lone = try FaultCLI.run(["run", "--trust-reports", file, "--reports", reports], in: inside)
        XCTAssertEqual(lone.status, 2, lone.stderr)
    }

    /// A file inside the reports folder is data too, even under the current folder.
    func testRerunFailedRunsNoFileFromInsideTheReportsFolder() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let marker = tmp.appendingPathComponent("ran")
        _ = try FaultCLI.write(planted(marker: marker), to: "planted.yaml", in: tmp.appendingPathComponent("r"))
        let first = try FaultCLI.run(["run", "r/planted.yaml", "--reports", "r", "--quiet"], in: tmp)
        XCTAssertEqual(first.status, 1, first.stdout + first.stderr)
        try FileManager.default.removeItem(at: marker)
        let refused = try FaultCLI.run(["run", "--rerun-failed", "--reports", "r", "--quiet"], in: tmp)
        XCTAssertEqual(refused.status, 2, refused.stdout + refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "a file inside the reports folder ran")
    }

    /// Item 15: with --jobs 2 each worker flushed the runner's unwritten stdout again at exit.
    func testServerStartLineIsPrintedOnceWithJobs() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else { throw XCTSkip("redis-server is not installed") }
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("name: r\ntickets: 2\nbuyers: 2\ntrials: 4\nseed: 1\nstorage: {kind: redis}\nlock: atomic\n", to: "r.yaml", in: tmp)
        let r = try FaultCLI.run(["run", file, "--jobs", "2", "--reports", tmp.appendingPathComponent("r").path], in: tmp)
        FaultCLI.expectSuccess(r)
        let lines = r.stdout.split(separator: "\n").filter { $0.contains("private server at") }
        XCTAssertEqual(lines.count, 1, r.stdout)
    }
}
