import Foundation
import TicketRushTestSupport
import XCTest

/// `control: syscalls` on MariaDB through the built binary (docs/programs.md, "Network
/// stores under syscalls"): an unmodified PyMySQL buyer whose statements are the steps.
/// Asserted is what the search finds (complete, some schedule violating or none) and what a
/// replay gives, never how often a race bit; an interrupted run leaves no process and no server.
final class MariaDBSyscallCLITests: XCTestCase {
    private let root = CLI.repositoryRoot.path

    override func setUpWithError() throws {
        let actions = (try? String(contentsOfFile: "/proc/sys/kernel/seccomp/actions_avail", encoding: .utf8)) ?? ""
        try XCTSkipUnless(actions.contains("user_notif"), "this kernel has no seccomp user notification")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/usr/sbin/mariadbd"), "mariadb-server is not installed")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import pymysql"]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        python.waitUntilExit()
        try XCTSkipUnless(python.terminationStatus == 0, "python3 has no pymysql (.ci/run installs it)")
    }

    private func cell(_ reports: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap((summary["cells"] as? [[String: Any]])?.first)
    }

    private func violated(_ cell: [String: Any], _ name: String) -> Int? {
        (cell["invariants"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["violated"] as? Int
    }

    private func scenario(_ name: String) -> String { "\(root)/scenarios/programs/\(name).yaml" }

    /// READ COMMITTED: the lost update is in some order of the statements, the search is
    /// complete, and the counterexample gives the same verdict on every replay.
    func testTheLostUpdateAtReadCommittedIsFoundAndReplays() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = scenario("pymysql-race-syscalls")
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", dir.appendingPathComponent("work").path, "--quiet"], timeout: 1200)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true, "the search covers every order of the statements")
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0, "some order sells the last ticket twice")
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        for i in 0..<2 {
            let out = dir.appendingPathComponent("replay\(i)")
            let again = try CLI.run(["run", file, "--schedule-replay", counterexample, "--reports", out.path,
                                     "--work", dir.appendingPathComponent("w\(i)").path], timeout: 300)
            let replayed = try cell(out)
            XCTAssertEqual(violated(replayed, "no-oversell"), 1, "replay \(i + 1) oversells again\n" + again.stdout + again.stderr)
            XCTAssertEqual((replayed["schedule"] as? [String: Any])?["runs"] as? Int, 1)
            // The story shows the SQL each COM_QUERY sent.
            XCTAssertTrue(again.stdout.contains("UPDATE ticketrush_"), again.stdout)
        }
    }

    /// Buyer 2's UPDATE of the row buyer 1 has updated waits for buyer 1's row lock: InnoDB
    /// lists its connection in LOCK WAIT, so the schedule moves on with buyer 1 alone, and
    /// buyer 2 runs on once buyer 1 commits. Without asking the server the runner would wait
    /// for buyer 2's next statement until the trial's timeout.
    func testAStatementWaitingForALockIsBlockedUntilTheHolderCommits() throws {
        let dir = try CLI.temporaryFolder(self)
        let out = dir.appendingPathComponent("reports")
        // The fingerprint is not this one: the run warns and replays the choices anyway.
        let r = try CLI.run(["run", scenario("pymysql-race-syscalls"), "--schedule-replay", "S1.00000000.1212", "--reports", out.path,
                             "--work", dir.appendingPathComponent("work").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(out)
        XCTAssertEqual(violated(c, "no-deadlock"), 0, r.stdout)
        XCTAssertEqual(violated(c, "no-oversell"), 1, r.stdout)
        let rows = r.stdout.split(separator: "\n").map(String.init).filter { row in
            row.hasPrefix("      ") && row.dropFirst(6).first?.isNumber == true && (row.contains("UPDATE ") || row.contains("COMMIT →"))
        }
        XCTAssertEqual(rows.count, 4, r.stdout)
        guard rows.count == 4 else { return }
        // Rows: buyer 1's UPDATE, buyer 2's (blocked), then the two COMMITs, buyer 1's first.
        XCTAssertFalse(rows[0].contains("→ blocked"), rows[0])
        XCTAssertTrue(rows[1].contains("UPDATE ") && rows[1].contains("→ blocked"), rows[1])
        let commitColumn = { (row: String) in row.distance(from: row.startIndex, to: row.range(of: "COMMIT")!.lowerBound) }
        XCTAssertLessThan(commitColumn(rows[2]), commitColumn(rows[3]), rows.joined(separator: "\n"))
    }

    /// SERIALIZABLE: both SELECTs take shared locks, the UPDATEs wait on each other, InnoDB
    /// ends one with a deadlock (1213) and that buyer retries; no order oversells, complete.
    func testSerializableHoldsInEveryOrder() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", scenario("pymysql-serializable-syscalls"), "--reports", reports.path,
                             "--work", dir.appendingPathComponent("work").path, "--quiet"], timeout: 1800)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports)
        let s = try XCTUnwrap(c["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertEqual(s["violating"] as? Int, 0)
        XCTAssertEqual(violated(c, "no-oversell"), 0)
        // Some order deadlocks and its buyer retries (its `retry: 1213` line is a store.retry).
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let trials = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["trials"] as? [[String: Any]])
        XCTAssertGreaterThan(trials.reduce(0) { $0 + ($1["retries"] as? Int ?? 0) }, 0, "no order deadlocked")
    }

    /// InnoDB's REPEATABLE READ: the plain SELECT reads the snapshot, the UPDATE writes the
    /// latest row without checking it: the lost update is in some order, as at READ COMMITTED.
    func testInnoDBRepeatableReadLosesTheUpdateInSomeOrder() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", scenario("pymysql-repeatable-syscalls"), "--reports", reports.path,
                             "--work", dir.appendingPathComponent("work").path, "--quiet"], timeout: 1200)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0, "some order sells the last ticket twice")
    }

    /// SIGINT once a held PyMySQL buyer exists: exit 130, no process of the run left (the
    /// buyers, the private server) and the server's folder gone.
    func testAnInterruptedRunLeavesNoProcessAndNoServer() throws {
        let dir = try CLI.temporaryFolder(self)
        let run = try Spawned(CLI.binary.path, ["run", scenario("pymysql-race-syscalls"), "--work", dir.appendingPathComponent("work").path,
                                                "--reports", dir.appendingPathComponent("r").path, "--quiet"], dir: dir)
        addTeardownBlock { if run.isRunning { run.wait(0) } }
        var server: String?
        XCTAssertTrue(poll(within: 120) {
            let tree = ProcessTable.descendants(of: run.pid)
            server = server ?? tree.lazy.map { ProcessTable.commandLine($0.pid) }.first { $0.contains("mariadbd") && $0.contains("--datadir=") }
            return tree.contains { ProcessTable.commandLine($0.pid).contains("buy_pymysql.py") }
        }, "no PyMySQL buyer started")
        let line = try XCTUnwrap(server, "the private server is not among the run's processes")
        kill(run.pid, SIGINT)
        XCTAssertTrue(run.wait(60), "the runner did not end after SIGINT")
        XCTAssertEqual(run.exitCode, 130, run.standardError)
        XCTAssertTrue(poll(within: 10) { ProcessTable.marked(run.marker).isEmpty }, "left behind: \(ProcessTable.marked(run.marker))")
        // "--datadir=DIR/data": the server's folder DIR goes with it.
        let data = String(line.components(separatedBy: "--datadir=")[1].split(separator: " ")[0])
        let folder = (data as NSString).deletingLastPathComponent
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "\(folder) outlived the run")
    }
}
