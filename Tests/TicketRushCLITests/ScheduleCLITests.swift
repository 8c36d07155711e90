import Foundation
import TicketRushTestSupport
import XCTest

/// Controlled schedules end to end, through the built binary: counts against the design's
/// model, deterministic verdicts, exact replays, shrinking, instant deadlocks, bad input.
final class ScheduleCLITests: XCTestCase {
    private let root = CLI.repositoryRoot.path

    private func race(_ name: String, buyers: Int = 2, tickets: Int = 1, schedule: String, extra: String = "") -> String {
        """
        name: \(name)
        tickets: \(tickets)
        buyers: \(buyers)
        schedule: \(schedule)
        seed: 1
        \(extra)
        """
    }

    /// A folder for --work: on tmpfs when there is one (atomic writes fsync), else temporary.
    private func workFolder(_ dir: URL) throws -> String {
        if FileManager.default.isWritableFile(atPath: "/dev/shm") {
            let url = URL(fileURLWithPath: "/dev/shm/ticketrush-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            addTeardownBlock { try? FileManager.default.removeItem(at: url) }
            return url.path
        }
        return dir.appendingPathComponent("work").path
    }

    private func summary(_ reports: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func cells(_ reports: URL) throws -> [[String: Any]] {
        try XCTUnwrap(try summary(reports)["cells"] as? [[String: Any]])
    }

    private func schedule(_ cell: [String: Any]) throws -> [String: Any] {
        try XCTUnwrap(cell["schedule"] as? [String: Any], "cell \(cell["name"] ?? "?") has no schedule")
    }

    func testExhaustiveCountsEqualTheModelsExactCounts() throws {
        let design = CLI.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/design/schedules")
        guard FileManager.default.fileExists(atPath: design.appendingPathComponent("model.py").path) else {
            throw XCTSkip("../shared/design/schedules/model.py is absent")
        }
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("python3 is absent")
        }
        let oracle = try runTool(python, [CLI.repositoryRoot.appendingPathComponent("Tests/TicketRushCLITests/schedule_oracle.py").path, design.path],
                                 timeout: 600)
        let model = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(oracle.stdout.utf8)) as? [String: Int], oracle.stderr)

        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write([
            race("race2", schedule: "{strategy: exhaustive, shrink: 0}"),
            race("race2-all", schedule: "{strategy: exhaustive, preemptions: 1000, shrink: 0}"),
            race("race2-p1", schedule: "{strategy: exhaustive, preemptions: 1, shrink: 0}"),
            race("race3-p2", buyers: 3, schedule: "{strategy: exhaustive, preemptions: 2, shrink: 0}"),
            race("mutex2", schedule: "{strategy: exhaustive, shrink: 0}", extra: "lock: flock"),
            race("lost2", tickets: 2, schedule: "{strategy: exhaustive, shrink: 0}", extra: "storage: {write: atomic}"),
        ].joined(separator: "\n---\n"), to: "oracle.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", try workFolder(dir), "--quiet"])
        XCTAssertNotEqual(r.status, 2, r.stderr)
        var runs: [String: Int] = [:]
        for cell in try cells(reports) {
            let s = try schedule(cell)
            XCTAssertEqual(s["complete"] as? Bool, true, "\(cell["name"]!)")
            runs[cell["name"] as! String] = s["runs"] as? Int
        }
        // Built-in buyers are identical: they start in index order (symmetry), so a bounded
        // search runs the model's count over n! orderings, and DPOR with symmetry runs what
        // the model's port in PartialOrderReductionTests runs (whose DPOR alone equals dpor.py).
        XCTAssertEqual(runs["race2"], 12, "2-buyer race: one schedule per class up to renaming (model: 14 classes)")
        XCTAssertEqual(runs["race2-all"], model["race2_total"].map { $0 / 2 }, "2-buyer race: every interleaving up to renaming (model: 52 / 2)")
        XCTAssertEqual(runs["race2-p1"], model["race2_bounded1"].map { $0 / 2 }, "≤ 1 preemption (model: 8 / 2)")
        XCTAssertEqual(runs["race3-p2"], model["race3_bounded2"].map { $0 / 6 }, "3 buyers, ≤ 2 preemptions (model: 216 / 3!)")
        XCTAssertEqual(runs["mutex2"], 4, "seed-mutex, 2 buyers (model: 6 classes)")
        XCTAssertEqual(runs["lost2"], 5, "lost update, 2 buyers (model: 6 classes)")
    }

    /// Real processes: DPOR with symmetry finds every invariant the search without partial-order
    /// reduction (a preemption bound no schedule reaches) finds violated, lock or not.
    func testReducedSearchFindsEveryViolationTheFullSearchFinds() throws {
        let dir = try CLI.temporaryFolder(self)
        let invariants = "invariants: [no-oversell, conservation, no-torn-read, one-outcome, all-finished, no-undersell]"
        let shapes = [("race3", 3, 1, ""), ("mutex3", 3, 1, "lock: flock"), ("torn2", 2, 2, "lock: flock"),
                      ("lost2", 2, 2, "storage: {write: atomic}")]
        var texts: [String] = []
        for (name, buyers, tickets, extra) in shapes {
            texts.append(race(name, buyers: buyers, tickets: tickets, schedule: "{strategy: exhaustive, shrink: 0}", extra: extra + "\n" + invariants))
            texts.append(race(name + "-full", buyers: buyers, tickets: tickets, schedule: "{strategy: exhaustive, preemptions: 1000, shrink: 0}",
                              extra: extra + "\n" + invariants))
        }
        let file = try CLI.write(texts.joined(separator: "\n---\n"), to: "full.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", try workFolder(dir), "--quiet"], timeout: 600)
        XCTAssertNotEqual(r.status, 2, r.stderr)
        var violated: [String: Set<String>] = [:]
        var runs: [String: Int] = [:]
        for cell in try cells(reports) {
            let name = cell["name"] as! String
            XCTAssertEqual(try schedule(cell)["complete"] as? Bool, true, name)
            runs[name] = try schedule(cell)["runs"] as? Int
            violated[name] = Set((cell["invariants"] as? [[String: Any]] ?? []).filter { ($0["violated"] as? Int ?? 0) > 0 }.map { "\($0["name"]!)" })
        }
        for (name, _, _, _) in shapes {
            XCTAssertEqual(violated[name], violated[name + "-full"], name)
            XCTAssertLessThan(try XCTUnwrap(runs[name]), try XCTUnwrap(runs[name + "-full"]), name)
        }
        XCTAssertEqual(violated["race3"], ["no-oversell", "conservation", "no-torn-read"], "the seed race's three violations")
    }

    /// The verdicts of a run, as comparable text: per cell, every invariant's count and the schedule facts.
    private func verdicts(_ reports: URL) throws -> String {
        try cells(reports).map { cell in
            let invariants = (cell["invariants"] as? [[String: Any]] ?? []).map { "\($0["name"]!)=\($0["violated"]!)/\($0["trials"]!)" }
            let s = try schedule(cell)
            return "\(cell["name"]!): \(invariants.joined(separator: " ")) runs=\(s["runs"]!) first=\(s["counterexample"]!) shrunk=\(s["shrunk_replay"] ?? "-")"
        }.joined(separator: "\n")
    }

    func testShippedControlledScenariosGiveTheSameVerdictsEveryRun() throws {
        let dir = try CLI.temporaryFolder(self)
        var seen: [String] = []
        for i in 0..<5 {
            let reports = dir.appendingPathComponent("r\(i)")
            let r = try CLI.run(["run", "\(root)/scenarios/schedules", "--reports", reports.path, "--work", try workFolder(dir), "--quiet"], timeout: 300)
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("expectations met"), r.stdout)
            seen.append(try verdicts(reports))
        }
        XCTAssertEqual(Set(seen).count, 1, "verdicts differ between runs:\n" + seen.joined(separator: "\n====\n"))
        XCTAssertTrue(seen[0].contains("schedules-seed-mutex: "), seen[0])
    }

    /// (buyer, event, value) of every line of a JSON Lines event log: the history without times.
    private func history(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let e = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(e["buyer"]!) \(e["event"]!) \(e["value"]!)"
        }
    }

    func testAReplayedCounterexampleGivesTheSameHistoryTwentyTimes() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(race("race", buyers: 3, schedule: "{strategy: random, runs: 30, shrink: 0}",
                                      extra: "invariants: [no-oversell, conservation]\nexpect: {no-oversell: violated, conservation: violated}"), to: "race.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        XCTAssertEqual(try CLI.run(["run", file, "--reports", reports.path, "--quiet"]).status, 0)
        let s = try schedule(try cells(reports)[0])
        let counterexample = try XCTUnwrap(s["counterexample"] as? String)
        let command = try XCTUnwrap(s["replay"] as? String)
        XCTAssertTrue(command.hasSuffix("--cell race --schedule-replay '\(counterexample)'"), command)
        var histories: [[String]] = []
        for i in 0..<20 {
            let events = dir.appendingPathComponent("events\(i)")
            let out = dir.appendingPathComponent("replay\(i)")
            let r = try CLI.run(["run", file, "--cell", "race", "--schedule-replay", counterexample, "--events", events.path,
                                 "--reports", out.path, "--quiet"])
            XCTAssertEqual(r.status, 0, "replay \(i + 1): the oversell must be seen again\n" + r.stdout + r.stderr)
            histories.append(try history(events.appendingPathComponent("race/trial-1.jsonl")))
        }
        XCTAssertGreaterThan(histories[0].count, 8)
        XCTAssertTrue(histories[0].contains { $0.hasSuffix(" gate 1") })
        for (i, h) in histories.enumerated() { XCTAssertEqual(h, histories[0], "replay \(i + 1) differs") }
    }

    func testATenBuyerFiveTicketOversellShrinksToTwoBuyersAndOneTicket() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(race("big", buyers: 10, tickets: 5, schedule: "{strategy: random, runs: 20}",
                                      extra: "invariants: [no-oversell, conservation]\nexpect: {no-oversell: violated, conservation: violated}"),
                                 to: "big.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--work", try workFolder(dir)])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let s = try schedule(try cells(reports)[0])
        let shrunk = try XCTUnwrap(s["shrunk"] as? String)
        XCTAssertTrue(shrunk.hasPrefix("2 buyers, 1 ticket, wants 1"), shrunk)
        let command = try XCTUnwrap(s["shrunk_replay"] as? String)
        XCTAssertTrue(command.contains("--buyers 2 --tickets 1 --schedule-replay"), command)
        // The original command comes first, then the story, then its own command.
        let original = try XCTUnwrap(r.stdout.range(of: "counterexample: ticketrush run"))
        let story = try XCTUnwrap(r.stdout.range(of: "write: wrote 0 → bought"))
        let replay = try XCTUnwrap(r.stdout.range(of: "replay the shrunk story:"))
        XCTAssertTrue(original.lowerBound < story.lowerBound && story.lowerBound < replay.lowerBound, r.stdout)
        // The shrunk command replays the story: still an oversell.
        let words = command.components(separatedBy: " ")
        let string = try XCTUnwrap(words.last).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        let again = try CLI.run(["run", file, "--cell", "big", "--buyers", "2", "--tickets", "1", "--schedule-replay", string,
                                 "--reports", dir.appendingPathComponent("again").path])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertTrue(again.stdout.contains("sold 2 of 1"), again.stdout)
    }

    func testADeadlockUnderControlIsReportedAtOnceNotAfterTheTimeout() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: dead
            tickets: 1
            buyers: 3
            lock: semaphore
            faults: [{kill: {probability: 1, at: lock.acquired, limit: 1}}]
            schedule: exhaustive
            timeout: 60s
            seed: 3
            expect: {no-deadlock: violated, all-finished: violated, no-undersell: violated}
            """, to: "dead.yaml", in: dir)
        let started = Date()
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path], timeout: 50)
        let took = Date().timeIntervalSince(started)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertLessThan(took, 10, "a 60 s timeout must not be waited for")
        let junit = try String(contentsOf: dir.appendingPathComponent("r/junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("deadlock detected under control"), junit)
        XCTAssertTrue(junit.contains("killed by a fault"), junit)
    }

    func testControlledShardsMergeWithTheirCoverage() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write([
            race("a", schedule: "{strategy: exhaustive, shrink: 0}", extra: "invariants: [no-oversell]\nexpect: {no-oversell: violated}"),
            race("b", schedule: "{strategy: random, runs: 5, shrink: 0}", extra: "lock: flock\ninvariants: [no-oversell]"),
        ].joined(separator: "\n---\n"), to: "two.yaml", in: dir)
        for k in 1...2 {
            let r = try CLI.run(["run", file, "--shard", "\(k)/2", "--reports", dir.appendingPathComponent("s\(k)").path, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        }
        let merged = dir.appendingPathComponent("m")
        let r = try CLI.run(["merge", dir.appendingPathComponent("s1").path, dir.appendingPathComponent("s2").path, "--reports", merged.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let byName = Dictionary(uniqueKeysWithValues: try cells(merged).map { ($0["name"] as! String, $0) })
        XCTAssertEqual(try schedule(try XCTUnwrap(byName["a"]))["runs"] as? Int, 12, "14 classes, 12 up to renaming the 2 identical buyers")
        XCTAssertEqual(try schedule(try XCTUnwrap(byName["a"]))["complete"] as? Bool, true)
        XCTAssertEqual(try schedule(try XCTUnwrap(byName["b"]))["runs"] as? Int, 5)
    }

    func testBadScheduleInputIsALocatedErrorWithExitTwo() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("r").path
        for (schedule, says) in [("{strategy: exhaustiv}", "did you mean 'exhaustive'"), ("{strategy: pct, depth: 0}", "'schedule.depth' must be >= 1"),
                                 ("{strategy: random, runs: 0}", "'schedule.runs' must be >= 1"),
                                 ("{strategy: exhaustive, preemptions: -1}", "'schedule.preemptions' must be >= 0")] {
            let file = try CLI.write(race("bad", schedule: schedule), to: "bad.yaml", in: dir)
            let r = try CLI.run(["run", file, "--reports", reports])
            XCTAssertEqual(r.status, 2, schedule)
            XCTAssertTrue(r.stderr.contains("bad.yaml:4:"), r.stderr)
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
        let file = try CLI.write(race("race", schedule: "{strategy: exhaustive, shrink: 0}"), to: "race.yaml", in: dir)
        _ = try CLI.run(["run", file, "--reports", reports, "--quiet"])
        let csv = try String(contentsOf: URL(fileURLWithPath: reports + "/results.csv"), encoding: .utf8)
        let prefix = try XCTUnwrap(csv.range(of: #"S1\.[0-9a-f]{8}\."#, options: .regularExpression).map { String(csv[$0]) })
        for (args, says) in [(["--schedule", "bogus"], "--schedule 'bogus' is not a strategy"),
                             (["--cell", "race", "--schedule-replay", prefix + "13"], "buyer 3 does not exist"),
                             (["--cell", "race", "--schedule-replay", prefix + "111122221"], "runs past the end"),
                             (["--cell", "race", "--schedule-replay", prefix + "1111111"], "diverged at grant 5")] {
            let r = try CLI.run(["run", file, "--reports", reports] + args, timeout: 30)
            XCTAssertEqual(r.status, 2, args.joined(separator: " ") + "\n" + r.stderr)
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
    }
}
