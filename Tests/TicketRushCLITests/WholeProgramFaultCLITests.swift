import Foundation
import TicketRushTestSupport
import XCTest

/// Faults at a step on a whole program under `control: syscalls` (docs/programs.md,
/// "Faults"), through the built binary: the buyer a line names is killed at its process's
/// next held store call, which never runs, and the run judges what followed. What is
/// asserted is fixed by the schedule and the program's calls, never by timing.
final class WholeProgramFaultCLITests: XCTestCase {
    private let root = CLI.repositoryRoot.path

    override func setUpWithError() throws {
        try RunSummary.skipUnlessUserNotification()
    }

    private func cell(_ reports: URL) throws -> [String: Any] { try RunSummary.firstCell(reports) }
    private func violated(_ cell: [String: Any], _ name: String) -> Int? { RunSummary.violated(cell, name) }

    /// Each trial's event log, as (name, event, reason) per line.
    private func logs(_ folder: URL) throws -> [[(name: String, event: String, reason: String?)]] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        XCTAssertFalse(files.isEmpty, "no event log in \(folder.path)")
        return try files.map { file in
            try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map { line in
                let e = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return (e["name"] as? String ?? "", e["event"] as? String ?? "", e["reason"] as? String)
            }
        }
    }

    /// The tutorial's race program, byte for byte, with 路人2 killed right after its search
    /// line: its process dies at its next store call (the open of its purchase), so it never
    /// buys and never prints again, while every other buyer, a process the kill must not
    /// touch, ends with an outcome. A replay of a schedule kills the same buyer the same way.
    func testAWholeProgramsBuyerIsKilledAtItsStepAndTheReplayKillsItAgain() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: tutorial-kill
            tickets: 1
            buyers: {count: 3, name: "路人{n}"}
            program:
              command: [python3, "\(root)/examples/python/tutorial.py"]
              control: syscalls
            storage: {kind: json, path: db.txt}
            outcomes:
              search: '<(?<buyer>[^>]+)>用户 查看剩余票数为 \\[(?<value>\\d+)\\]'
              bought: '<(?<buyer>[^>]+)> 购票成功'
              sold-out: '<(?<buyer>[^>]+)> 没票了'
              error: '^Traceback'
            faults:
              - kill: {buyers: [2], at: search.read}
            schedule: {strategy: random, runs: 3, shrink: 0}
            seed: 1
            timeout: 30s
            invariants: [all-finished, no-deadlock]
            expect: {all-finished: violated, no-deadlock: hold}

            """, to: "kill.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let events = dir.appendingPathComponent("events")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--events", events.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports)
        XCTAssertEqual(violated(c, "all-finished"), 3, "the kill lands in every schedule")
        XCTAssertEqual(violated(c, "no-deadlock"), 0)
        XCTAssertEqual(CLI.processes(inside: work), [])
        for log in try logs(events.appendingPathComponent("tutorial-kill")) {
            XCTAssertEqual(log.filter { $0.event == "fault.kill" }.map(\.name), ["路人2"], "\(log)")
            XCTAssertEqual(log.filter { $0.name == "路人2" }.map(\.event), ["start", "search.read", "fault.kill", "error"], "\(log)")
            XCTAssertEqual(log.first { $0.name == "路人2" && $0.event == "error" }?.reason, "killed")
            for other in ["路人1", "路人3"] {
                let outcomes = log.filter { $0.name == other && ["bought", "sold-out"].contains($0.event) }
                XCTAssertEqual(outcomes.count, 1, "\(other) is not the victim and ends with an outcome: \(log)")
            }
        }
        let s = try XCTUnwrap(c["schedule"] as? [String: Any])
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        // Each replay grants the same threads (numbered by creation, not by whose first call
        // the kernel delivered first), so it never diverges and kills the same buyer again.
        let first = try logs(events.appendingPathComponent("tutorial-kill"))[0]
        for i in 0..<3 {
            let out = dir.appendingPathComponent("replay\(i)"), again = dir.appendingPathComponent("events\(i)")
            let replay = try CLI.run(["run", file, "--cell", "tutorial-kill", "--schedule-replay", counterexample, "--reports", out.path,
                                      "--work", dir.appendingPathComponent("w\(i)").path, "--events", again.path])
            XCTAssertEqual(replay.status, 0, "replay \(i + 1)\n" + replay.stdout + replay.stderr)
            XCTAssertEqual(violated(try cell(out), "all-finished"), 1)
            XCTAssertTrue(replay.stdout.contains("KILLED (fault)"), "the story shows the kill\n" + replay.stdout)
            let replayed = try XCTUnwrap(try logs(again.appendingPathComponent("tutorial-kill")).first)
            XCTAssertEqual(replayed.filter { $0.name == "路人2" }.map(\.event), ["start", "search.read", "fault.kill", "error"])
            XCTAssertEqual(replayed.filter { $0.event != "start" && $0.event != "done" }.map { "\($0.name) \($0.event)" }.sorted(),
                           first.filter { $0.event != "start" && $0.event != "done" }.map { "\($0.name) \($0.event)" }.sorted(),
                           "the replay kills the same buyer and ends every other buyer the same way")
        }
    }

    /// The tutorial's lock with 路人2 killed after its search line, in every interleaving of
    /// two buyers: when 路人1 holds the lock, 路人2 prints its line and falls asleep on the lock
    /// with no store call; the kill still waits for 路人2 (it lands once 路人2 gets the lock),
    /// never for 路人1, granted next. So 路人1 buys in every schedule and nothing deadlocks.
    func testALineWhosePrinterSleepsOnALockStillNamesThePrinter() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: lock-kill-2
            tickets: 1
            buyers: {count: 2, name: "路人{n}"}
            program:
              command: [python3, "\(root)/examples/python/tutorial.py", --lock]
              control: syscalls
            storage: {kind: json, path: db.txt}
            outcomes:
              search: '<(?<buyer>[^>]+)>用户 查看剩余票数为 \\[(?<value>\\d+)\\]'
              bought: '<(?<buyer>[^>]+)> 购票成功'
              sold-out: '<(?<buyer>[^>]+)> 没票了'
              error: '^Traceback'
            faults:
              - kill: {buyers: [2], at: search.read}
            schedule: {strategy: exhaustive, shrink: 0}
            timeout: 30s
            invariants: [no-deadlock]
            expect: {no-deadlock: hold}

            """, to: "lock2.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let events = dir.appendingPathComponent("events")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--events", events.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual((try cell(reports)["schedule"] as? [String: Any])?["complete"] as? Bool, true)
        XCTAssertEqual(CLI.processes(inside: work), [])
        var asleep = 0
        for log in try logs(events.appendingPathComponent("lock-kill-2")) {
            XCTAssertEqual(log.filter { $0.name == "路人1" && $0.event == "bought" }.count, 1, "路人1 is never the victim: \(log)")
            XCTAssertTrue(log.filter { $0.event == "fault.kill" }.allSatisfy { $0.name == "路人2" }, "\(log)")
            XCTAssertFalse(log.contains { $0.name == "路人2" && ["bought", "sold-out"].contains($0.event) }, "\(log)")
            // 路人2 searched while 路人1 held the lock: its kill landed after 路人1 bought.
            let order = log.map { "\($0.name) \($0.event)" }
            if let search = order.firstIndex(of: "路人2 search.read"), let bought = order.firstIndex(of: "路人1 bought"), search < bought {
                asleep += 1
            }
        }
        XCTAssertGreaterThan(asleep, 0, "some interleaving has 路人2 print its line and sleep on the lock 路人1 holds")
    }

    /// The shipped finding (scenarios/programs/python-tutorial-lock-holder-killed-syscalls.yaml,
    /// with 3 schedules): the first buyer to search is killed holding the tutorial's
    /// multiprocessing.Lock, a semaphore in shared memory no kernel frees; every other buyer
    /// sleeps on its futex for ever. The runner calls it a deadlock at once, not at the
    /// 30 s timeout, in every schedule, and leaves no process behind.
    func testTheTutorialLockHeldByADeadBuyerIsADeadlockJudgedAtOnce() throws {
        let dir = try CLI.temporaryFolder(self)
        let shipped = try String(contentsOfFile: "\(root)/scenarios/programs/python-tutorial-lock-holder-killed-syscalls.yaml", encoding: .utf8)
        XCTAssertTrue(shipped.contains("schedule: {strategy: random, runs: 10}"), shipped)
        let text = shipped.replacingOccurrences(of: "{dir}/../..", with: root)
            .replacingOccurrences(of: "schedule: {strategy: random, runs: 10}", with: "schedule: {strategy: random, runs: 3, shrink: 0}")
        let file = try CLI.write(text, to: "lock.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let events = dir.appendingPathComponent("events")
        let started = Date()
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--events", events.path], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports)
        XCTAssertEqual(violated(c, "no-deadlock"), 3, "a deadlock in every schedule")
        XCTAssertEqual(violated(c, "no-oversell"), 0)
        XCTAssertEqual(violated(c, "conservation"), 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "judged at once, not after a 30 s timeout per schedule")
        XCTAssertEqual(CLI.processes(inside: work), [])
        // The replay's story shows the kill and why no buyer can move.
        let counterexample = try XCTUnwrap((c["schedule"] as? [String: Any])?["counterexample"] as? String)
        let replay = try CLI.run(["run", file, "--cell", "python-tutorial-lock-holder-killed-syscalls", "--schedule-replay", counterexample,
                                  "--reports", dir.appendingPathComponent("r2").path, "--work", dir.appendingPathComponent("w2").path])
        XCTAssertEqual(replay.status, 0, replay.stdout + replay.stderr)
        XCTAssertEqual(violated(try cell(dir.appendingPathComponent("r2")), "no-deadlock"), 1)
        XCTAssertTrue(replay.stdout.contains("KILLED (fault)"), replay.stdout)
        XCTAssertTrue(replay.stdout.contains("every thread of the program waits with no timeout (futex ×"), replay.stdout)
        // no-deadlock's own evidence says so too, not "no buyer waiting for a lock".
        XCTAssertTrue(replay.stdout.contains("no-deadlock (deadlock detected under control after "), replay.stdout)
        XCTAssertFalse(replay.stdout.contains("no buyer waiting for a lock"), replay.stdout)
        for log in try logs(events.appendingPathComponent("python-tutorial-lock-holder-killed-syscalls")) {
            let victims = log.filter { $0.event == "fault.kill" }.map(\.name)
            XCTAssertEqual(victims.count, 1, "\(log)")
            XCTAssertFalse(log.contains { ["bought", "sold-out"].contains($0.event) }, "nobody passes the dead holder's lock: \(log)")
            XCTAssertEqual(Set(log.filter { $0.event == "search.read" }.map(\.name)).count, 10, "every buyer searched, then waited: \(log)")
        }
    }
}
