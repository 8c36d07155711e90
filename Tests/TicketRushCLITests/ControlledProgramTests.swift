import Foundation
import XCTest

/// Controlled schedules over protocol programs (issue 11, docs/programs.md "Gate"), through
/// the built binary: the shipped shell race and its flock fix under exhaustive search, exact
/// replays, programs that exit early, write garbage or hang, kill faults, and the programs
/// that cannot be controlled. Counts asserted are the search's, fixed by the programs'
/// reports, never how often a real race happened to bite.
final class ControlledProgramTests: XCTestCase {
    private let root = CLI.repositoryRoot.path

    private func cells(_ reports: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(summary["cells"] as? [[String: Any]])
    }

    private func schedule(_ cell: [String: Any]) throws -> [String: Any] {
        try XCTUnwrap(cell["schedule"] as? [String: Any], "cell \(cell["name"] ?? "?") has no schedule")
    }

    /// Invariant → (violated, trials) of a cell.
    private func invariants(_ cell: [String: Any]) -> [String: (violated: Int, trials: Int)] {
        var out: [String: (Int, Int)] = [:]
        for i in cell["invariants"] as? [[String: Any]] ?? [] {
            out[i["name"] as? String ?? "?"] = (i["violated"] as? Int ?? -1, i["trials"] as? Int ?? -1)
        }
        return out
    }

    /// (buyer, event, value) of every line of a JSON Lines event log: the history without times.
    private func history(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let e = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(e["buyer"]!) \(e["event"]!) \(e["value"]!)"
        }
    }

    func testExhaustiveFindsTheProgramRaceAndItsScheduleReplaysTheSameHistory() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = "\(root)/scenarios/programs/shell-race-controlled.yaml"
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let cell = try XCTUnwrap(try cells(reports).first)
        let s = try schedule(cell)
        XCTAssertEqual(s["complete"] as? Bool, true)
        // Two buyers of 4 steps each (exec to search.read, purchase.read, bought, exit): every
        // one of the (2·4)!/(4!·4!) interleavings runs, since a program's step commutes with nothing.
        XCTAssertEqual(s["runs"] as? Int, 70)
        XCTAssertGreaterThan(s["violating"] as? Int ?? 0, 0, "some schedule oversells")
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        XCTAssertTrue(r.stdout.contains("--schedule-replay '\(counterexample)'"), r.stdout)
        XCTAssertEqual(CLI.processes(inside: work), [])

        var histories: [[String]] = []
        for i in 0..<3 {
            let events = dir.appendingPathComponent("events\(i)"), out = dir.appendingPathComponent("replay\(i)")
            let again = try CLI.run(["run", file, "--cell", "shell-race-controlled", "--schedule-replay", counterexample,
                                     "--events", events.path, "--reports", out.path, "--work", dir.appendingPathComponent("w\(i)").path])
            XCTAssertEqual(again.status, 0, "replay \(i + 1) must oversell again\n" + again.stdout + again.stderr)
            let replayed = try XCTUnwrap(try cells(out).first)
            XCTAssertEqual(invariants(replayed)["no-oversell"]?.violated, 1)
            XCTAssertEqual(try schedule(replayed)["runs"] as? Int, 1)
            histories.append(try history(events.appendingPathComponent("shell-race-controlled/trial-1.jsonl")))
        }
        XCTAssertEqual(histories[0].filter { $0.contains(" bought ") }.count, 2, histories[0].joined(separator: "\n"))
        for (i, h) in histories.enumerated() { XCTAssertEqual(h, histories[0], "replay \(i + 1) differs") }
    }

    func testTheFlockFixHoldsInEveryScheduleAndTheSearchIsComplete() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", "\(root)/scenarios/programs/shell-flock-controlled.yaml", "--reports", reports.path,
                             "--work", work.path, "--quiet"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let cell = try XCTUnwrap(try cells(reports).first)
        let s = try schedule(cell)
        XCTAssertEqual(s["complete"] as? Bool, true)
        XCTAssertEqual(s["violating"] as? Int, 0)
        // Every interleaving of two 7-step buyers whose steps under the lock exclude each other.
        XCTAssertEqual(s["runs"] as? Int, 352)
        for (name, counts) in invariants(cell) { XCTAssertEqual(counts.violated, 0, name) }
        XCTAssertEqual(CLI.processes(inside: work), [])
    }

    func testProgramsThatExitWithoutReportingFinishTheSchedule() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: silent
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "exit 0"]}
            schedule: exhaustive
            timeout: 60s
            invariants: [no-oversell, no-deadlock]
            ---
            name: one-line
            tickets: 1
            buyers: {count: 2, command: [sh, -c, ". '\(root)/clients/sh/ticketrush.sh'; tr_report search.read 1; exit 3"]}
            schedule: exhaustive
            timeout: 60s
            invariants: [no-oversell, no-deadlock, all-finished]
            expect: {all-finished: violated}
            """, to: "exits.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let started = Date()
        let r = try CLI.run(["run", file, "--reports", reports.path], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 50, "an exit ends the step: no 60 s timeout is waited for")
        let byName = Dictionary(uniqueKeysWithValues: try cells(reports).map { ($0["name"] as! String, $0) })
        // One step each (exec to exit): 2 orders; two steps each: 6.
        XCTAssertEqual(try schedule(try XCTUnwrap(byName["silent"]))["runs"] as? Int, 2)
        XCTAssertEqual(try schedule(try XCTUnwrap(byName["one-line"]))["runs"] as? Int, 6)
        for cell in byName.values {
            XCTAssertEqual(try schedule(cell)["complete"] as? Bool, true)
            XCTAssertEqual(invariants(cell)["no-deadlock"]?.violated, 0, "\(cell["name"]!)")
        }
    }

    func testAMalformedLineUnderControlParksTheProgramAndNothingHangs() throws {
        let dir = try CLI.temporaryFolder(self)
        // Lines written by hand: garbage, then an outcome, each followed by a wait at the gate.
        let file = try CLI.write("""
            name: garbled
            tickets: 2
            buyers: {count: 2, command: [sh, -c, "echo 'not json' >&3; read g <&4 || exit 4; echo '{\\"event\\": \\"bought\\", \\"value\\": 1}' >&3; read g <&4 || exit 4"]}
            schedule: exhaustive
            timeout: 60s
            invariants: [no-oversell, one-outcome, no-deadlock]
            """, to: "garbled.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let started = Date()
        let r = try CLI.run(["run", file, "--reports", reports.path], timeout: 120)
        XCTAssertLessThan(Date().timeIntervalSince(started), 50, "a malformed line is a report like any other: no timeout")
        XCTAssertNotEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stdout.contains("malformed event records"), r.stdout)
        let cell = try XCTUnwrap(try cells(reports).first)
        // Three steps each (exec to the garbage, to the outcome, to exit): (2·3)!/(3!·3!) = 20.
        XCTAssertEqual(try schedule(cell)["runs"] as? Int, 20)
        XCTAssertEqual(try schedule(cell)["complete"] as? Bool, true)
        XCTAssertEqual(invariants(cell)["no-deadlock"]?.violated, 0)
        XCTAssertEqual(invariants(cell)["no-oversell"]?.violated, 0)
    }

    func testAProgramThatStopsReportingTimesOutAndIsNeverGreen() throws {
        let dir = try CLI.temporaryFolder(self)
        let helper = "\(root)/clients/sh/ticketrush.sh"
        let file = try CLI.write("""
            name: stuck
            tickets: 1
            buyers: {count: 2, command: [sh, -c, ". '\(helper)'; tr_report search.read 1; sleep 300"]}
            schedule: {strategy: exhaustive, preemptions: 0, shrink: 0}
            timeout: 1s
            invariants: [no-deadlock]
            expect: {no-deadlock: violated}
            ---
            name: unannounced-lock
            tickets: 1
            buyers: {count: 2, command: [sh, -c, ". '\(helper)'; exec 9>db.lock; flock 9; tr_report lock.acquired; tr_report purchase.read 1"]}
            schedule: {strategy: exhaustive, shrink: 0}
            timeout: 1s
            invariants: [no-deadlock]
            expect: {no-deadlock: violated}
            """, to: "stuck.yaml", in: dir)
        let work = dir.appendingPathComponent("work"), reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let byName = Dictionary(uniqueKeysWithValues: try cells(reports).map { ($0["name"] as! String, $0) })
        let stuck = try XCTUnwrap(byName["stuck"])
        XCTAssertEqual(invariants(stuck)["no-deadlock"]?.violated, try schedule(stuck)["runs"] as? Int, "every schedule times out")
        // Taking the lock without lock.wait first: a schedule that starts the other buyer while
        // the first holds it blocks in flock, which the runner can only see as the timeout.
        let unannounced = try XCTUnwrap(byName["unannounced-lock"])
        XCTAssertGreaterThan(invariants(unannounced)["no-deadlock"]?.violated ?? 0, 0)
        XCTAssertEqual(try schedule(unannounced)["complete"] as? Bool, true)
        let trials = try String(contentsOf: reports.appendingPathComponent("trials.json"), encoding: .utf8)
        XCTAssertTrue(trials.contains("timed out after"), "no-deadlock says it was the timeout")
        XCTAssertEqual(CLI.processes(inside: work), [])
    }

    func testAKillFaultLandsRightAfterTheStepItNames() throws {
        let dir = try CLI.temporaryFolder(self)
        var text = try String(contentsOfFile: "\(root)/scenarios/programs/shell-race-controlled.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "{dir}/../../", with: "\(root)/")
            .replacingOccurrences(of: "expect: {no-oversell: violated, conservation: violated}",
                                  with: "faults: [{kill: {at: purchase.read, buyers: [1]}}]\nexpect: {all-finished: violated}")
            .replacingOccurrences(of: "invariants: [", with: "invariants: [all-finished, ")
            .replacingOccurrences(of: "schedule: {strategy: exhaustive}", with: "schedule: {strategy: exhaustive, shrink: 0}")
        let file = try CLI.write(text, to: "kill.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let cell = try XCTUnwrap(try cells(reports).first)
        let runs = try XCTUnwrap(try schedule(cell)["runs"] as? Int)
        // Buyer 1 dies at its gate right after reporting its purchase read, in every schedule:
        // it never writes, so nothing oversells.
        XCTAssertEqual(invariants(cell)["all-finished"]?.violated, runs)
        XCTAssertEqual(invariants(cell)["no-oversell"]?.violated, 0)
        XCTAssertEqual(invariants(cell)["conservation"]?.violated, 0)
    }

    func testPatternProgramsAndWholeProgramsCannotBeControlled() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("r").path
        let pattern = try CLI.write("""
            name: pattern
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "echo bought"]}
            outcomes: {bought: '^bought$'}
            schedule: exhaustive
            """, to: "pattern.yaml", in: dir)
        var r = try CLI.run(["run", pattern, "--reports", reports])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("pattern.yaml:5:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("needs a protocol program"), r.stderr)
        let whole = try CLI.write("""
            name: whole
            tickets: 1
            buyers: 2
            program: {command: [sh, -c, "exit 0"]}
            schedule: {strategy: pct}
            """, to: "whole.yaml", in: dir)
        r = try CLI.run(["run", whole, "--reports", reports])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("whole.yaml:5:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("a whole program (program.command)"), r.stderr)
        // From the command line: --schedule leaves such a program under timing; a replay is an error.
        let timing = try CLI.write("""
            name: pattern
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "echo bought"]}
            outcomes: {bought: '^bought$'}
            trials: 2
            invariants: [one-outcome]
            """, to: "timing.yaml", in: dir)
        r = try CLI.run(["run", timing, "--schedule", "exhaustive", "--reports", reports])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertNil(try cells(URL(fileURLWithPath: reports)).first?["schedule"] as? [String: Any], "still under timing")
        r = try CLI.run(["run", timing, "--schedule-replay", "S1.00000000.12", "--reports", reports])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("no gates to schedule"), r.stderr)
    }

    /// `--schedule` on built-in buyers on a database engine: they have no gates (the gated
    /// launcher drives the JSON document), so they stay under timing, as pattern programs
    /// do; before, the gated launcher wrote `{"count": 0}` into the SQLite file and reported
    /// torn reads of it.
    func testScheduleFromTheCommandLineLeavesBuiltInBuyersOnAnEngineUnderTiming() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("r").path
        let file = try CLI.write("""
            name: engine
            tickets: 1
            buyers: 2
            storage: {kind: sqlite}
            lock: {mode: transaction}
            trials: 2
            expect: {no-oversell: hold, no-torn-read: hold}
            """, to: "engine.yaml", in: dir)
        var r = try CLI.run(["run", file, "--schedule", "random", "--reports", reports])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertNil(try cells(URL(fileURLWithPath: reports)).first?["schedule"] as? [String: Any], "still under timing")
        r = try CLI.run(["run", file, "--schedule-replay", "S1.00000000.12", "--reports", reports])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("built-in buyers on a database engine"), r.stderr)
    }
}
