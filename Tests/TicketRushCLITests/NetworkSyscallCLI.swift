import Foundation
import TicketRushTestSupport
import XCTest

/// A network store's program under `control: syscalls` through the built binary (docs/programs.md,
/// "Network stores under syscalls"), for each engine's test class: an unmodified buyer whose
/// statements are the steps. Asserted is what the search finds (complete, some schedule
/// violating or none) and what a replay gives, never how often a race bit; an interrupted run
/// leaves no process and no server.
struct NetworkSyscallCLI {
    let test: XCTestCase
    /// The Python module the buyer imports ("psycopg").
    let module: String

    /// Skips unless the kernel has seccomp user notification, `server` (a path) is installed
    /// and python3 imports the module.
    func skipUnlessAvailable(server: String, serverMissing: String, install: String) throws {
        try RunSummary.skipUnlessUserNotification()
        try XCTSkipUnless(FileManager.default.fileExists(atPath: server), serverMissing)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import \(module)"]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        python.waitUntilExit()
        try XCTSkipUnless(python.terminationStatus == 0, "python3 has no \(module) (\(install))")
    }

    func cell(_ reports: URL) throws -> [String: Any] { try RunSummary.firstCell(reports) }
    func violated(_ cell: [String: Any], _ name: String) -> Int? { RunSummary.violated(cell, name) }

    func scenario(_ name: String) -> String { "\(CLI.repositoryRoot.path)/scenarios/programs/\(name).yaml" }

    /// Runs `name`'s whole search: its schedule summary, with the run's exit status asserted 0.
    @discardableResult
    func search(_ name: String, timeout: Double) throws -> (schedule: [String: Any], cell: [String: Any], reports: URL) {
        let dir = try CLI.temporaryFolder(test)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", scenario(name), "--reports", reports.path, "--work", dir.appendingPathComponent("work").path, "--quiet"], timeout: timeout)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports)
        return (try XCTUnwrap(c["schedule"] as? [String: Any]), c, reports)
    }

    /// The lost update is in some order of the statements, the search is complete, and the
    /// counterexample gives the same verdict on every replay, its story showing the SQL sent.
    func lostUpdateIsFoundAndReplays(_ name: String) throws {
        let s = try search(name, timeout: 1200).schedule
        XCTAssertEqual(s["complete"] as? Bool, true, "the search covers every order of the statements")
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0, "some order sells the last ticket twice")
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        let dir = try CLI.temporaryFolder(test)
        // The two replays run at once, each with its own server: a replay's verdict is its
        // schedule's, whatever else runs.
        let replays = try (0..<2).map { i in
            try TicketRushBinary.start(["run", scenario(name), "--schedule-replay", counterexample, "--reports", dir.appendingPathComponent("replay\(i)").path,
                                        "--work", dir.appendingPathComponent("w\(i)").path])
        }
        defer { replays.forEach { $0.kill() } }
        for (i, running) in replays.enumerated() {
            let out = dir.appendingPathComponent("replay\(i)")
            let again = try running.finish(timeout: 300)
            let replayed = try cell(out)
            XCTAssertEqual(violated(replayed, "no-oversell"), 1, "replay \(i + 1) oversells again\n" + again.stdout + again.stderr)
            XCTAssertEqual((replayed["schedule"] as? [String: Any])?["runs"] as? Int, 1)
            XCTAssertTrue(again.stdout.contains("UPDATE ticketrush_"), again.stdout)
        }
    }

    /// `replay` puts buyer 2's UPDATE of the row buyer 1 has updated while buyer 1 holds its
    /// lock: the server says it waits, so the schedule moves on with buyer 1 alone, and buyer 2
    /// runs on once buyer 1 commits. Without asking the server the runner would wait for
    /// buyer 2's next statement until the trial's timeout.
    func blockedUntilTheHolderCommits(_ name: String, replay: String) throws {
        let dir = try CLI.temporaryFolder(test)
        let out = dir.appendingPathComponent("reports")
        // The fingerprint is not this one: the run warns and replays the choices anyway.
        let r = try CLI.run(["run", scenario(name), "--schedule-replay", replay, "--reports", out.path,
                             "--work", dir.appendingPathComponent("work").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(out)
        XCTAssertEqual(violated(c, "no-deadlock"), 0, r.stdout)
        XCTAssertEqual(violated(c, "no-oversell"), 1, r.stdout)
        // The story's rows ("      5*   UPDATE …"), not the READ COMMITTED of the BEGINs.
        let rows = r.stdout.split(separator: "\n").map(String.init).filter { row in
            row.hasPrefix("      ") && row.dropFirst(6).first?.isNumber == true && (row.contains("UPDATE ") || row.contains("COMMIT →"))
        }
        XCTAssertEqual(rows.count, 4, r.stdout)
        guard rows.count == 4 else { return }
        // Rows: buyer 1's UPDATE, buyer 2's (blocked), then the two COMMITs.
        XCTAssertFalse(rows[0].contains("→ blocked"), rows[0])
        XCTAssertTrue(rows[1].contains("UPDATE ") && rows[1].contains("→ blocked"), rows[1])
        // After the block: buyer 1's COMMIT (its column first), then buyer 2's.
        let commitColumn = { (row: String) in row.distance(from: row.startIndex, to: row.range(of: "COMMIT")!.lowerBound) }
        XCTAssertLessThan(commitColumn(rows[2]), commitColumn(rows[3]), rows.joined(separator: "\n"))
    }

    /// No order oversells, and the search is complete: the cell and its reports.
    @discardableResult
    func holdsInEveryOrder(_ name: String) throws -> URL {
        let (s, c, reports) = try search(name, timeout: 1800)
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertEqual(s["violating"] as? Int, 0)
        XCTAssertEqual(violated(c, "no-oversell"), 0)
        return reports
    }

    /// SIGINT once a held buyer (`buyer`, its script's name) exists: exit 130, no process of the
    /// run left (the buyers, the private server) and the server's folder gone. `isServer` picks
    /// the server's command line, `folder` reads the server's folder from it.
    func interruptLeavesNothing(_ name: String, buyer: String, isServer: (String) -> Bool, folder: (String) -> String) throws {
        let dir = try CLI.temporaryFolder(test)
        let run = try Spawned(CLI.binary.path, ["run", scenario(name), "--work", dir.appendingPathComponent("work").path,
                                                "--reports", dir.appendingPathComponent("r").path, "--quiet"], dir: dir)
        test.addTeardownBlock { if run.isRunning { run.wait(0) } }
        var server: String?
        XCTAssertTrue(poll(within: 120) {
            let tree = ProcessTable.descendants(of: run.pid)
            server = server ?? tree.lazy.map { ProcessTable.commandLine($0.pid) }.first(where: isServer)
            return tree.contains { ProcessTable.commandLine($0.pid).contains(buyer) }
        }, "no \(buyer) buyer started")
        let line = try XCTUnwrap(server, "the private server is not among the run's processes")
        kill(run.pid, SIGINT)
        XCTAssertTrue(run.wait(60), "the runner did not end after SIGINT")
        XCTAssertEqual(run.exitCode, 130, run.standardError)
        XCTAssertTrue(poll(within: 10) { ProcessTable.marked(run.marker).isEmpty }, "left behind: \(ProcessTable.marked(run.marker))")
        let path = folder(line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(path) outlived the run")
    }
}
