import Foundation
import TicketRushTestSupport
import XCTest

/// `control: syscalls` through the built binary (docs/programs.md, "Three kinds of control"):
/// unmodified Python buyers whose store calls are the steps. What is asserted is the search's
/// (complete or not, some schedule violating or none), fixed by the programs' system calls,
/// never how often a race happened to bite; interrupted and killed runners leave nothing.
final class SyscallControlCLITests: XCTestCase {
    private let root = CLI.repositoryRoot.path

    override func setUpWithError() throws {
        try RunSummary.skipUnlessUserNotification()
    }

    private func cell(_ reports: URL) throws -> [String: Any] { try RunSummary.firstCell(reports) }
    private func violated(_ cell: [String: Any], _ name: String) -> Int? { RunSummary.violated(cell, name) }

    func testNaivePythonBuyerOversellsInSomeScheduleAndThatScheduleReplays() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = "\(root)/examples/unmodified/python/race.yaml"
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true, "the search covers every interleaving")
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0, "some interleaving oversells")
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        XCTAssertEqual(CLI.processes(inside: work), [])
        // The replays run at once: a replay's verdict is its schedule's, whatever else runs.
        let replays = try (0..<2).map { i in
            try TicketRushBinary.start(["run", file, "--cell", "unmodified-python-race", "--schedule-replay", counterexample,
                                        "--reports", dir.appendingPathComponent("replay\(i)").path, "--work", dir.appendingPathComponent("w\(i)").path, "--quiet"])
        }
        defer { replays.forEach { $0.kill() } }
        for (i, running) in replays.enumerated() {
            let out = dir.appendingPathComponent("replay\(i)")
            let again = try running.finish()
            let replayed = try cell(out)
            XCTAssertEqual(violated(replayed, "no-oversell"), 1, "replay \(i + 1) oversells again\n" + again.stdout + again.stderr)
            XCTAssertEqual((replayed["schedule"] as? [String: Any])?["runs"] as? Int, 1)
        }
    }

    func testTheFlockFixHoldsInEveryScheduleAndTheSearchIsComplete() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let events = dir.appendingPathComponent("events")
        let r = try CLI.run(["run", "\(root)/examples/unmodified/python/flock.yaml", "--reports", reports.path,
                             "--work", work.path, "--events", events.path, "--quiet"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports)
        let s = try XCTUnwrap(c["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertEqual(s["violating"] as? Int, 0)
        XCTAssertEqual(violated(c, "no-oversell"), 0)
        XCTAssertEqual(violated(c, "no-torn-read"), 0)
        XCTAssertEqual(CLI.processes(inside: work), [])
        // The steps were the program's system calls: more than "who runs first", and the
        // history holds what the runner saw it read and write under the lock.
        XCTAssertGreaterThan(s["runs"] as? Int ?? 0, 2)
        let log = try String(contentsOf: events.appendingPathComponent("unmodified-python-flock/trial-1.jsonl"), encoding: .utf8)
        let seen = try log.split(separator: "\n").map { line -> String in
            let e = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(e["event"]!) \(e["value"]!)"
        }
        for expected in ["lock.acquired 0", "purchase.read 1", "purchase.write 0", "bought 0", "purchase.read 0", "sold-out 0"] {
            XCTAssertTrue(seen.contains(expected), "\(expected) missing from\n\(log)")
        }
    }

    /// The tutorial's whole program, byte for byte: it forks its own buyers (the filter is
    /// inherited); every schedule with one preemption is tried, some oversell, and the
    /// counterexample replays to the same verdict.
    func testAWholeProgramThatForksItsBuyersIsScheduledAndReplays() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: tutorial-two
            tickets: 1
            buyers: {count: 2, name: "路人{n}"}
            program:
              command: [python3, "\(root)/examples/python/tutorial.py"]
              control: syscalls
            storage: {kind: json, path: db.txt}
            outcomes:
              bought: '<(?<buyer>[^>]+)> 购票成功'
              sold-out: '<(?<buyer>[^>]+)> 没票了'
              error: '^Traceback'
            schedule: {strategy: exhaustive, preemptions: 1, shrink: 0}
            timeout: 30s
            invariants: [no-oversell, no-deadlock]
            expect: {no-oversell: violated}

            """, to: "two.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertGreaterThan(s["runs"] as? Int ?? 0, 2, "the steps are the forked buyers' store calls, not whole programs")
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0)
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        XCTAssertEqual(CLI.processes(inside: work), [])
        let out = dir.appendingPathComponent("replay")
        let again = try CLI.run(["run", file, "--cell", "tutorial-two", "--schedule-replay", counterexample,
                                 "--reports", out.path, "--work", dir.appendingPathComponent("w2").path])
        XCTAssertEqual(violated(try cell(out), "no-oversell"), 1, again.stdout + again.stderr)
        // The story names the held calls, and where the program slept (time.sleep returned at once).
        XCTAssertTrue(again.stdout.contains("open(O_TRUNC)"), again.stdout)
        XCTAssertTrue(again.stdout.contains("slept 1×, open"), again.stdout)
    }

    /// The tutorial's race, byte for byte, as shipped but with 3 schedules: the counterexample
    /// shrinks to 2 buyers within the default shrink budget, and 5 of 5 replays of it oversell.
    func testTheTutorialRaceShrinksToTwoBuyersAndReplaysFiveTimesOfFive() throws {
        let dir = try CLI.temporaryFolder(self)
        let shipped = try String(contentsOfFile: "\(root)/scenarios/programs/python-tutorial-race-syscalls.yaml", encoding: .utf8)
        XCTAssertTrue(shipped.contains("schedule: {strategy: random, runs: 20}"), "the shipped schedule, with the default shrink budget")
        let text = shipped.replacingOccurrences(of: "{dir}/../..", with: root)
            .replacingOccurrences(of: "schedule: {strategy: random, runs: 20}", with: "schedule: {strategy: random, runs: 3}")
        let file = try CLI.write(text, to: "tutorial.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertTrue((s["shrunk"] as? String ?? "").hasPrefix("2 buyers, 1 ticket"), r.stdout)
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        XCTAssertEqual(CLI.processes(inside: work), [])
        // The five replays run at once: each is its schedule's, whatever else runs.
        let replays = try (0..<5).map { i in
            try TicketRushBinary.start(["run", file, "--cell", "python-tutorial-race-syscalls", "--schedule-replay", counterexample,
                                        "--reports", dir.appendingPathComponent("replay\(i)").path, "--work", dir.appendingPathComponent("w\(i)").path, "--quiet"])
        }
        defer { replays.forEach { $0.kill() } }
        for (i, running) in replays.enumerated() {
            let out = dir.appendingPathComponent("replay\(i)")
            let again = try running.finish()
            XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
            XCTAssertEqual(violated(try cell(out), "no-oversell"), 1, "replay \(i + 1) of 5\n" + again.stdout + again.stderr)
        }
    }

    /// A kill at a step (the shipped python-flock-holder-killed-syscalls.yaml): the first
    /// flock holder dies at its next held call, which never runs (no read after its lock in
    /// any schedule); the kernel frees the lock, so the other buyer buys in every schedule.
    func testAKillAtAStepLandsAtTheBuyersNextHeldCall() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let events = dir.appendingPathComponent("events")
        let r = try CLI.run(["run", "\(root)/scenarios/programs/python-flock-holder-killed-syscalls.yaml", "--reports", reports.path,
                             "--work", work.path, "--events", events.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let c = try cell(reports)
        let s = try XCTUnwrap(c["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true)
        let runs = try XCTUnwrap(s["runs"] as? Int)
        XCTAssertEqual(violated(c, "all-finished"), runs, "the holder is killed in every schedule")
        XCTAssertEqual(violated(c, "no-undersell"), 0, "the other buyer buys in every schedule")
        XCTAssertEqual(CLI.processes(inside: work), [])
        let logs = try FileManager.default.contentsOfDirectory(atPath: events.appendingPathComponent("python-flock-holder-killed-syscalls").path)
        XCTAssertFalse(logs.isEmpty)
        for log in logs {
            let text = try String(contentsOf: events.appendingPathComponent("python-flock-holder-killed-syscalls/\(log)"), encoding: .utf8)
            let lines = try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            let kills = lines.filter { $0["event"] as? String == "fault.kill" }
            XCTAssertEqual(kills.count, 1, text)
            let victim = try XCTUnwrap(kills.first?["name"] as? String)
            let mine = lines.filter { $0["name"] as? String == victim }.map { $0["event"] as? String ?? "" }
            let locked = try XCTUnwrap(mine.firstIndex(of: "lock.acquired"), text)
            XCTAssertEqual(Array(mine[(locked + 1)...]).filter { $0 != "error" && $0 != "done" }, ["fault.kill"], text)
        }
    }

    /// SQLite (journal delete) under control: the steps are its page reads and writes, its
    /// -journal file and its fcntl try-locks. Read-then-update oversells in some interleaving
    /// of a complete search; BEGIN IMMEDIATE holds in every one, and a buyer that finds the
    /// write lock taken takes SQLite's busy path (EAGAIN, retries, "database is locked").
    func testSQLiteBuyersAreScheduledThroughTheirFileCallsAndLocks() throws {
        let dir = try CLI.temporaryFolder(self)
        var found: [String: [String: Any]] = [:]
        let names = ["python-sqlite-race-syscalls", "python-sqlite-immediate-syscalls"]
        // The two searches run at once (their own work folders): each waits on its buyers'
        // held calls most of the time, and what each finds does not depend on the other.
        let started = try names.map { name in
            try TicketRushBinary.start(["run", "\(root)/scenarios/programs/\(name).yaml", "--reports", dir.appendingPathComponent("r-\(name)").path,
                                        "--work", dir.appendingPathComponent("w-\(name)").path, "--transcript", "--quiet"])
        }
        defer { started.forEach { $0.kill() } }
        for (name, running) in zip(names, started) {
            let work = dir.appendingPathComponent("w-\(name)"), reports = dir.appendingPathComponent("r-\(name)")
            let r = try running.finish(timeout: 900)
            XCTAssertEqual(r.status, 0, r.stderr)
            let c = try cell(reports)
            found[name] = try XCTUnwrap(c["schedule"] as? [String: Any])
            XCTAssertEqual(found[name]?["complete"] as? Bool, true, name)
            XCTAssertGreaterThan(found[name]?["runs"] as? Int ?? 0, 10, "\(name): the steps are SQLite's calls, not whole buyers")
            XCTAssertEqual(CLI.processes(inside: work), [])
            if name.contains("immediate") {
                XCTAssertEqual(violated(c, "no-oversell"), 0)
                XCTAssertTrue((r.stdout + r.stderr).contains("sqlite3.OperationalError: database is locked"),
                              "some schedule takes SQLite's busy path to its end")
                // What "holds" is worth says what a step is under this control.
                let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
                XCTAssertTrue(junit.contains("a step being one held system call on the store&apos;s files"), junit)
            }
        }
        XCTAssertGreaterThan(found["python-sqlite-race-syscalls"]?["violating"] as? Int ?? 0, 0)
        XCTAssertEqual(found["python-sqlite-immediate-syscalls"]?["violating"] as? Int, 0)
    }

    /// Threads are parked one by one (the notification carries the tid): a whole program
    /// whose buyers are threading.Thread workers has each thread as a participant, and a
    /// thread waiting for the GIL is asleep in the kernel, so the others' steps go on.
    func testAProgramsThreadsAreItsBuyers() throws {
        let dir = try CLI.temporaryFolder(self)
        let program = try CLI.write("""
            import json, threading
            def buy(name):
                with open("db.txt") as f:
                    n = json.load(f)["count"]
                if n > 0:
                    with open("db.txt", "w") as f:
                        json.dump({"count": n - 1}, f)
                    print("<%s> bought" % name, flush=True)
                else:
                    print("<%s> sold out" % name, flush=True)
            threads = [threading.Thread(target=buy, args=("t%d" % i,)) for i in (1, 2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

            """, to: "threads.py", in: dir)
        let file = try CLI.write("""
            name: threads
            tickets: 1
            buyers: {count: 2, name: "t{n}"}
            program: {command: [python3, "\(program)"], control: syscalls}
            storage: {kind: json, path: db.txt}
            outcomes: {bought: '<(?<buyer>[^>]+)> bought', sold-out: '<(?<buyer>[^>]+)> sold out', error: '^Traceback'}
            schedule: {strategy: exhaustive, preemptions: 1, shrink: 0}
            timeout: 30s
            invariants: [no-oversell, no-deadlock]
            expect: {no-oversell: violated}

            """, to: "threads.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertGreaterThan(s["runs"] as? Int ?? 0, 2, "the steps are each thread's store calls")
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0)
        XCTAssertEqual(CLI.processes(inside: work), [])
    }

    /// A whole program asleep in the kernel before it forks its buyers (a stand-in for slow
    /// start-up: a wait the runner does not hold) has touched nothing yet: its tree is quiet,
    /// but the schedule must not end there with no step (it once did under `yes` hogs, where
    /// start-up is slow: "the run finished after 0 grants").
    func testAProgramQuietBeforeItTouchesTheStoreIsWaitedFor() throws {
        let dir = try CLI.temporaryFolder(self)
        let program = try CLI.write("""
            import json, os, select, sys
            select.select([], [], [], 0.3)
            kids = []
            for i in (1, 2):
                pid = os.fork()
                if pid == 0:
                    with open("db.txt") as f:
                        n = json.load(f)["count"]
                    if n > 0:
                        with open("db.txt", "w") as f:
                            json.dump({"count": n - 1}, f)
                        print("<b%d> bought" % i, flush=True)
                    else:
                        print("<b%d> sold out" % i, flush=True)
                    os._exit(0)
                kids.append(pid)
            for pid in kids:
                os.waitpid(pid, 0)

            """, to: "slow.py", in: dir)
        let file = try CLI.write("""
            name: slow-start
            tickets: 1
            buyers: {count: 2, name: "b{n}"}
            program: {command: [python3, "\(program)"], control: syscalls}
            storage: {kind: json, path: db.txt}
            outcomes: {bought: '<(?<buyer>[^>]+)> bought', sold-out: '<(?<buyer>[^>]+)> sold out', error: '^Traceback'}
            schedule: {strategy: exhaustive, preemptions: 1, shrink: 0}
            timeout: 30s
            invariants: [no-oversell, no-deadlock]
            expect: {no-oversell: violated}

            """, to: "slow.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--quiet"], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try XCTUnwrap(try cell(reports)["schedule"] as? [String: Any])
        XCTAssertEqual(s["complete"] as? Bool, true, r.stdout + r.stderr)
        XCTAssertGreaterThan(s["runs"] as? Int ?? 0, 2, "every run's steps are the buyers' store calls")
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0)
        XCTAssertEqual(CLI.processes(inside: work), [])
    }

    /// A buyer that takes a second lock while holding one waits on nobody: no false deadlock.
    func testTheHolderTakingASecondLockIsNoDeadlock() throws {
        let dir = try CLI.temporaryFolder(self)
        let program = try CLI.write("""
            import fcntl, json, os, sys
            d = os.path.dirname(sys.argv[1])
            with open(os.path.join(d, "a.lock"), "w") as a, open(os.path.join(d, "b.lock"), "w") as b:
                fcntl.flock(a, fcntl.LOCK_EX)
                fcntl.flock(b, fcntl.LOCK_EX)
                with open(sys.argv[1]) as f:
                    n = json.load(f)["count"]
                if n > 0:
                    with open(sys.argv[1], "w") as f:
                        json.dump({"count": n - 1}, f)
                    print("bought")
                else:
                    print("sold out")

            """, to: "two.py", in: dir)
        let file = try CLI.write("""
            name: twolocks
            tickets: 1
            buyers: {count: 2, command: [python3, "\(program)", "{storage}"], control: syscalls}
            outcomes: {bought: '^bought$', sold-out: '^sold out$', error: '^Traceback'}
            schedule: {strategy: exhaustive, preemptions: 0}
            invariants: [no-oversell, no-deadlock]
            expect: {no-oversell: hold, no-deadlock: hold}

            """, to: "two.yaml", in: dir)
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path, "--work", dir.appendingPathComponent("w").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    /// A store mapped into memory gets past the gates: refused with why (exit 2), never green.
    func testAMappedStoreIsRefusedNotJudged() throws {
        let dir = try CLI.temporaryFolder(self)
        let program = try CLI.write("import mmap, sys\nwith open(sys.argv[1], 'r+b') as f:\n    m = mmap.mmap(f.fileno(), 0)\n    print('bought')\n",
                                    to: "mapper.py", in: dir)
        let file = try CLI.write("""
            name: mapped
            tickets: 1
            buyers: {count: 1, command: [python3, "\(program)", "{storage}"], control: syscalls}
            outcomes: {bought: '^bought$'}
            schedule: random
            invariants: [no-oversell]

            """, to: "mapped.yaml", in: dir)
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path, "--work", dir.appendingPathComponent("w").path])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("buyer-1: mmap of the store ("), r.stderr)
        XCTAssertTrue(r.stderr.contains("get past the gates of control: syscalls"), r.stderr)
    }

    /// SIGINT or SIGKILL to the runner once a held Python buyer exists: no process is left.
    private func stopRunner(with signal: Int32) throws {
        let dir = try CLI.temporaryFolder(self)
        let run = try Spawned(CLI.binary.path, ["run", "\(root)/examples/unmodified/python/race.yaml", "--work", dir.appendingPathComponent("work").path,
                                                "--reports", dir.appendingPathComponent("r").path, "--quiet"], dir: dir)
        addTeardownBlock { if run.isRunning { run.wait(0) } }
        XCTAssertTrue(poll(within: 60) {
            ProcessTable.descendants(of: run.pid).contains { ProcessTable.commandLine($0.pid).contains("buy.py") }
        }, "no Python buyer started")
        kill(run.pid, signal)
        XCTAssertTrue(run.wait(30), "the runner did not end after signal \(signal)")
        if signal == SIGINT { XCTAssertEqual(run.exitCode, 130, run.standardError) }
        XCTAssertTrue(poll(within: 10) { ProcessTable.marked(run.marker).isEmpty },
                      "left behind: \(ProcessTable.marked(run.marker))")
    }

    func testAnInterruptedRunnerLeavesNoProcess() throws { try stopRunner(with: SIGINT) }

    func testAKilledRunnerLeavesNoProcess() throws { try stopRunner(with: SIGKILL) }
}
