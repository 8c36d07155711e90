import Foundation
import TicketRushTestSupport
import XCTest

/// Helper forkers (issue 14; docs/architecture.md, "Who forks whom"), end to end through the
/// binary: from 64 buyers two helpers fork the buyers, the runner reaps the helpers and
/// adopts their buyers (subreaper) before opening the barrier. Nothing of a trial may
/// outlive it however it ends, and no buyer may start before the last fork.
///
/// Readiness is waited for, never slept for: TICKETRUSH_TEST_FORKER_HOLD=1 makes the runner
/// stop itself (SIGSTOP) right before the barrier opens, or right after a failed spawn's
/// teardown, so the test sees the process table at exactly that moment.
final class HelperForkerTests: XCTestCase {
    typealias Hardening = ProcessHardeningTests

    /// A scenario file named `name` (its path is unique to the test: `pgrep -f` finds the run's processes by it).
    func scenario(_ dir: URL, _ name: String, buyers: Int, tickets: Int, start: String = "0", timeout: String = "60s",
                  trials: Int = 1) throws -> String {
        try CLI.write("""
            name: \(name)
            tickets: \(tickets)
            buyers: \(buyers)
            delays: {start: \(start)}
            lock: flock
            trials: \(trials)
            seed: 7
            timeout: \(timeout)
            invariants: [no-oversell, conservation, one-outcome, all-finished]

            """, to: "\(name).yaml", in: dir)
    }

    func start(_ args: [String], env: [String: String], in dir: URL) throws -> Hardening.Spawned {
        let run = try Hardening.Spawned(CLI.binary.path, args, env: env, dir: dir)
        // Never leave a runner behind, stopped or not; nothing it started may outlive it.
        addTeardownBlock { if run.isRunning { run.wait(0) }; TicketRushBinary.assertNothingOutlives(run) }
        return run
    }

    /// Waits until the runner has stopped itself (state T) at the hook, and `also` holds.
    func waitUntilHeld(_ run: Hardening.Spawned, also: () -> Bool = { true }) -> Bool {
        Hardening.wait(60) { run.isRunning && Hardening.processTable()[run.pid]?.state == "T" && also() }
    }

    /// The count in a kept trial folder's document, or nil.
    func count(_ work: URL, _ name: String, trial: Int = 1) -> Int? {
        let url = work.appendingPathComponent("\(name)/trial-\(trial)/db.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["count"] as? Int
    }

    /// The `fork-loop` lines of TICKETRUSH_FORK_TIMING=1, as their fields.
    func forkLoops(_ output: String) -> [[String: String]] {
        output.split(separator: "\n").filter { $0.hasPrefix("fork-loop ") }.map { line in
            Dictionary(uniqueKeysWithValues: line.split(separator: " ").dropFirst().compactMap { field -> (String, String)? in
                let kv = field.split(separator: "=", maxSplits: 1)
                return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
            })
        }
    }

    /// Asserts that the held runner's children are exactly `buyers` live buyers, every one
    /// its own child (a helper's buyers reparented: no helper is left) in one process group
    /// that is not the runner's. Returns them.
    @discardableResult
    func assertOnlyBuyers(_ runner: pid_t, buyers: Int, _ what: String) -> [Hardening.Proc] {
        let family = Hardening.descendants(of: runner)
        XCTAssertEqual(family.count, buyers, "\(what): the runner's descendants are not exactly its buyers: \(family.count)")
        XCTAssertTrue(family.allSatisfy { $0.ppid == runner }, "\(what): a buyer is not the runner's own child (a helper still lives?)")
        XCTAssertFalse(family.contains { $0.state == "Z" }, "\(what): unreaped children: \(family.filter { $0.state == "Z" })")
        XCTAssertEqual(Set(family.map(\.pgid)).count, 1, "\(what): the buyers are not in one process group")
        XCTAssertNotEqual(family.first?.pgid, Hardening.processTable()[runner]?.pgid, "\(what): the buyers are in the runner's group")
        return family
    }

    /// A normal run: before each barrier every buyer is the runner's child (both helpers
    /// reaped); at trial 2 nothing of trial 1 is left, not even a zombie; after the run no
    /// process of it remains.
    func testBuyersAreTheRunnersChildrenAtTheBarrierAndAllAreReaped() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "reaped", buyers: 80, tickets: 80, trials: 2)
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: ["TICKETRUSH_FORK_TIMING": "1", "TICKETRUSH_TEST_FORKER_HOLD": "1"], in: dir)
        var pids = Set<pid_t>(), groups = Set<pid_t>()
        defer { cleanUp(pids: pids, groups: groups) }
        for trial in 1...2 {
            let held = waitUntilHeld(run) { FileManager.default.fileExists(atPath: work.appendingPathComponent("reaped/trial-\(trial)").path) }
            XCTAssertTrue(held, "the runner never reached trial \(trial)'s barrier: \(run.output)")
            guard held else { return }
            let family = assertOnlyBuyers(run.pid, buyers: 80, "trial \(trial)")
            pids.formUnion(family.map(\.pid))
            groups.formUnion(family.map(\.pgid))
            kill(run.pid, SIGCONT)
        }
        XCTAssertEqual(groups.count, 2, "each trial has its own process group")
        XCTAssertTrue(run.wait(60), "the run did not finish")
        XCTAssertEqual(run.exitCode, 0, run.output)
        let loops = forkLoops(run.output)
        XCTAssertEqual(loops.map { $0["helpers"] }, ["2", "2"], run.output)
        XCTAssertEqual(Hardening.survivors(pids: pids, groups: groups), [], "processes of the run outlived it")
        XCTAssertFalse(CLI.processesRemain(matching: file))
    }

    /// The runner killed with SIGKILL after every buyer exists but before the barrier opens:
    /// the barrier's EOF must not start the race. A dying process closes its descriptors
    /// before its children are reparented and their death signal fires, so in that moment
    /// getppid() is still the runner; the barrier opened without the runner's byte is what
    /// tells. Every buyer exits before its first step: nobody buys, nobody is left. With
    /// helpers and without (the runner forking every buyer had the same hole).
    func testRunnerKilledBeforeTheBarrierReleasesNoBuyer() throws {
        try runnerKilledBeforeTheBarrier(forkers: nil)
    }

    func testRunnerKilledBeforeTheBarrierReleasesNoBuyerWithoutHelpers() throws {
        try runnerKilledBeforeTheBarrier(forkers: "0")
    }

    private func runnerKilledBeforeTheBarrier(forkers: String?) throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "unreleased", buyers: 100, tickets: 100)
        let work = dir.appendingPathComponent("work")
        var env = ["TICKETRUSH_TEST_FORKER_HOLD": "1"]
        if let forkers { env["TICKETRUSH_FORKERS"] = forkers }
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: env, in: dir)
        XCTAssertTrue(waitUntilHeld(run), "the runner never reached the barrier: \(run.output)")
        let family = assertOnlyBuyers(run.pid, buyers: 100, "before the barrier")
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        kill(run.pid, SIGKILL)
        run.wait(10)
        XCTAssertTrue(Hardening.wait(10) { Hardening.survivors(pids: pids, groups: groups).isEmpty },
                      "buyers outlived their runner: \(Hardening.survivors(pids: pids, groups: groups))")
        XCTAssertEqual(count(work, "unreleased"), 100, "a buyer released by the dead runner's barrier bought a ticket")
    }

    /// Program buyers wait at the same barrier before they exec: a runner killed there
    /// starts no program (the barrier opens by its death, without the byte).
    func testRunnerKilledBeforeTheBarrierExecsNoProgram() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: unexeced
            tickets: 1
            buyers:
              count: 20
              command: [sh, -c, "echo ran > '{dir}/ran-{n}'"]
            timeout: 60s
            """, to: "unexeced.yaml", in: dir)
        let run = try start(["run", file, "--work", dir.appendingPathComponent("work").path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: ["TICKETRUSH_TEST_FORKER_HOLD": "1"], in: dir)
        XCTAssertTrue(waitUntilHeld(run), "the runner never reached the barrier: \(run.output)")
        // Each program buyer is a keeper (the runner's child) whose one child, the program's
        // process, waits at the barrier (docs/architecture.md, "Who forks whom").
        // A keeper forks its program's process right after it is forked itself, so the last
        // one may still be doing so when the runner holds: wait for it (the count only rises).
        var family = Hardening.descendants(of: run.pid)
        _ = CLI.poll(within: 10) { family = Hardening.descendants(of: run.pid); return family.count >= 40 }
        let keepers = Set(family.filter { $0.ppid == run.pid }.map(\.pid))
        XCTAssertEqual(keepers.count, 20, "before the barrier: not one keeper per buyer: \(family)")
        XCTAssertEqual(family.count, 40, "before the barrier: not one waiting process per keeper: \(family)")
        XCTAssertTrue(family.allSatisfy { $0.ppid == run.pid || keepers.contains($0.ppid) }, "\(family)")
        XCTAssertEqual(Set(family.map(\.pgid)).count, 1, "before the barrier: not in one process group: \(family)")
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        kill(run.pid, SIGKILL)
        run.wait(10)
        XCTAssertTrue(Hardening.wait(10) { Hardening.survivors(pids: pids, groups: groups).isEmpty },
                      "program buyers outlived their runner: \(Hardening.survivors(pids: pids, groups: groups))")
        let ran = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("ran-") }
        XCTAssertEqual(ran, [], "a program started after its runner died")
    }

    /// Waits until a trial is under way: its folder exists and `buyers` live buyers, all the
    /// runner's children, stay so for three polls (not a moment mid-fork).
    func waitMidTrial(_ run: Hardening.Spawned, work: URL, name: String, buyers: Int) -> [Hardening.Proc] {
        var family: [Hardening.Proc] = [], steady = 0
        let ready = Hardening.wait(60) {
            guard FileManager.default.fileExists(atPath: work.appendingPathComponent("\(name)/trial-1").path) else { return false }
            family = Hardening.descendants(of: run.pid)
            let ok = family.count == buyers && family.allSatisfy { $0.ppid == run.pid && $0.state != "Z" && $0.state != "T" }
            steady = ok ? steady + 1 : 0
            return steady >= 3
        }
        XCTAssertTrue(ready, "the trial never had its \(buyers) buyers under way: \(run.output)")
        return family
    }

    /// SIGKILL to the runner mid-trial: every buyer dies with it (its death signal, set after
    /// the barrier, points at the runner, not at its exited helper).
    func testRunnerKilledMidTrialLeavesNothing() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "killed", buyers: 80, tickets: 10, start: "30s")
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: [:], in: dir)
        let family = waitMidTrial(run, work: work, name: "killed", buyers: 80)
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        kill(run.pid, SIGKILL)
        run.wait(10)
        XCTAssertTrue(Hardening.wait(10) { Hardening.survivors(pids: pids, groups: groups).isEmpty },
                      "buyers outlived their runner: \(Hardening.survivors(pids: pids, groups: groups))")
    }

    /// SIGINT mid-trial: exit 130, and the runner itself has reaped every buyer by then.
    func testInterruptMidTrialExits130WithNothingLeft() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "interrupted", buyers: 80, tickets: 10, start: "30s")
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: [:], in: dir)
        let family = waitMidTrial(run, work: work, name: "interrupted", buyers: 80)
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        kill(run.pid, SIGINT)
        XCTAssertTrue(run.wait(30), "runner ignored SIGINT")
        XCTAssertEqual(run.exitCode, 130, run.output)
        XCTAssertEqual(Hardening.survivors(pids: pids, groups: groups), [], "the interrupted runner left processes behind")
    }

    /// The trial's timeout: every buyer (sleeping 30 s) is killed and reaped by the runner.
    func testTimeoutKillsEveryBuyer() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "timedout", buyers: 80, tickets: 10, start: "30s", timeout: "500ms")
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path],
                            env: ["TICKETRUSH_TEST_FORKER_HOLD": "1"], in: dir)
        XCTAssertTrue(waitUntilHeld(run), "the runner never reached the barrier: \(run.output)")
        let family = assertOnlyBuyers(run.pid, buyers: 80, "before the barrier")
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        kill(run.pid, SIGCONT)
        XCTAssertTrue(run.wait(60), "the timed-out run did not finish")
        XCTAssertEqual(run.exitCode, 1, run.output)
        XCTAssertTrue(run.output.contains("80 buyers did not finish"), run.output)
        XCTAssertEqual(Hardening.survivors(pids: pids, groups: groups), [], "the timeout left processes behind")
    }

    /// No buyer starts before the last fork: every `start` event is stamped after the moment
    /// the runner had every buyer (the fork loop's end), though the first buyers were forked
    /// long before it.
    func testBarrierReleasesBuyersOnlyAfterTheLastFork() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "barrier", buyers: 300, tickets: 300)
        let events = dir.appendingPathComponent("events")
        let run = try start(["run", file, "--events", events.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: ["TICKETRUSH_FORK_TIMING": "1"], in: dir)
        XCTAssertTrue(run.wait(120), "the run did not finish")
        XCTAssertEqual(run.exitCode, 0, run.output)
        let loop = try XCTUnwrap(forkLoops(run.output).first, run.output)
        XCTAssertEqual(loop["helpers"], "2")
        let end = try XCTUnwrap(loop["end"].flatMap { UInt64($0) }, run.output)
        let text = try String(contentsOf: events.appendingPathComponent("barrier/trial-1.jsonl"), encoding: .utf8)
        var starts: [Int: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if o["event"] as? String == "start", let buyer = o["buyer"] as? Int, let t = (o["t_ns"] as? NSNumber)?.uint64Value {
                starts[buyer] = t
            }
        }
        XCTAssertEqual(starts.count, 300, "every buyer starts once")
        let early = starts.filter { $0.value < end }
        XCTAssertEqual(early.count, 0, "buyers started before the last fork: \(early.keys.sorted().prefix(10))")
    }

    /// Below the threshold, and with TICKETRUSH_FORKERS=0, the runner forks every buyer itself.
    func testSmallTrialsAndForkersZeroForkFromTheRunner() throws {
        let dir = try CLI.temporaryFolder(self)
        let small = try scenario(dir, "small", buyers: 63, tickets: 63)
        let large = try scenario(dir, "large", buyers: 64, tickets: 64)
        let cases: [(String, [String: String], String)] = [(small, [:], "0"), (large, [:], "2"), (large, ["TICKETRUSH_FORKERS": "0"], "0")]
        for (file, env, helpers) in cases {
            let run = try start(["run", file, "--reports", dir.appendingPathComponent("r-\(UUID().uuidString)").path, "--quiet"],
                                env: env.merging(["TICKETRUSH_FORK_TIMING": "1"]) { a, _ in a }, in: dir)
            XCTAssertTrue(run.wait(60), "the run did not finish")
            XCTAssertEqual(run.exitCode, 0, run.output)
            XCTAssertEqual(forkLoops(run.output).first?["helpers"], helpers, "\(file) \(env): \(run.output)")
        }
    }

    /// A helper killed after forking 10 buyers: the runner kills the group, reaps the other
    /// helper and every buyer (those 10 reparented to it), reports the failure (exit 3), and
    /// no buyer ever ran.
    func testKilledHelperFailsTheRunWithEverythingReaped() throws {
        try helperFault("die:10", message: "a helper forker failed: helper 2 of 2")
    }

    /// A helper whose fork fails reports it as the runner's own failed fork does.
    func testFailedForkInAHelperIsReportedWithEverythingReaped() throws {
        // Buyers 51–100 are the second helper's: its 8th fork is buyer 58.
        try helperFault("fail:7", message: "fork (buyer 58): Resource temporarily unavailable")
    }

    private func helperFault(_ fault: String, message: String) throws {
        let dir = try CLI.temporaryFolder(self)
        let name = "fault-\(fault.replacingOccurrences(of: ":", with: "-"))"
        let file = try scenario(dir, name, buyers: 100, tickets: 100)
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: ["TICKETRUSH_TEST_FORKER_FAULT": fault, "TICKETRUSH_TEST_FORKER_HOLD": "1"], in: dir)
        // Held after the failure's teardown: by then the runner has reaped everything it had.
        XCTAssertTrue(waitUntilHeld(run), "the runner never stopped after the failure: \(run.output)")
        XCTAssertEqual(Hardening.descendants(of: run.pid), [], "the runner still has children after a failed spawn")
        kill(run.pid, SIGCONT)
        XCTAssertTrue(run.wait(60), "the run did not finish")
        XCTAssertEqual(run.exitCode, 3, run.output)
        XCTAssertTrue(run.output.contains(message), run.output)
        XCTAssertEqual(count(work, name), 100, "a buyer ran though the spawn failed")
        XCTAssertFalse(CLI.processesRemain(matching: file))
    }

    /// --jobs: each worker is the runner of its trials (subreaper, helpers, adopted buyers).
    /// A worker killed mid-trial ends the run (exit 3) and none of its buyers survive.
    func testKilledWorkerWithHelperForkedBuyersLeavesNothing() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, "workers", buyers: 70, tickets: 10, start: "30s", trials: 2)
        let work = dir.appendingPathComponent("work")
        let run = try start(["run", file, "--jobs", "2", "--work", work.path, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                            env: [:], in: dir)
        var family: [Hardening.Proc] = [], workers: [pid_t] = [], steady = 0
        let ready = Hardening.wait(60) {
            family = Hardening.descendants(of: run.pid)
            workers = family.filter { $0.ppid == run.pid }.map(\.pid)
            let full = workers.filter { w in family.filter { $0.ppid == w && $0.state != "Z" }.count == 70 }
            steady = workers.count == 2 && full.count == 2 && family.count == 142 ? steady + 1 : 0
            return steady >= 3
        }
        XCTAssertTrue(ready, "the workers never had their buyers under way: \(family.count) descendants")
        let pids = Set(family.map(\.pid)), groups = Set(family.map(\.pgid))
        defer { cleanUp(pids: pids, groups: groups) }
        guard ready, let victim = workers.first else { return }
        kill(victim, SIGKILL)
        XCTAssertTrue(run.wait(30), "the runner still runs 30 s after a worker was killed")
        XCTAssertEqual(run.exitCode, 3, run.output)
        XCTAssertTrue(Hardening.wait(10) { Hardening.survivors(pids: pids, groups: groups).isEmpty },
                      "orphans of the run: \(Hardening.survivors(pids: pids, groups: groups))")
    }

    /// Kills everything recorded that is still alive, so a failing test leaves nothing behind.
    func cleanUp(pids: Set<pid_t>, groups: Set<pid_t>) {
        for p in Hardening.survivors(pids: pids, groups: groups) { kill(p.pid, SIGKILL); kill(p.pid, SIGCONT) }
    }
}
