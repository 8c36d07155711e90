import Foundation
import TicketRushTestSupport
import XCTest

/// Sweeps, reruns, shards, merge, jobs and stopping rules, end to end through the binary.
final class SweepCommandTests: XCTestCase {
    private var root: String { CLI.repositoryRoot.path }

    private func csvRows(_ folder: URL) throws -> [[String: String]] {
        let text = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = splitCSV(lines.removeFirst())
        return lines.map { Dictionary(uniqueKeysWithValues: zip(header, splitCSV($0))) }
    }

    /// Enough CSV for these files: quoted fields may hold commas.
    private func splitCSV(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { fields.append(current); current = "" } else { current.append(ch) }
        }
        return fields + [current]
    }

    private func summary(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testShippedSweepRunsEveryCellWithItsExpectations() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", "\(root)/scenarios/sweep-locks.yaml", "--trials", "3", "--reports", reports.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        for cell in ["lock.mode=none,buyers.count=2", "lock.mode=none,buyers.count=10", "lock.mode=flock,buyers.count=2", "lock.mode=flock,buyers.count=10"] {
            XCTAssertTrue(r.stdout.contains("PASS  sweep-locks[\(cell)]  3 trials"), r.stdout)
        }
        // How many of 3 trials the race bites in depends on the scheduler; that it is stated does not.
        XCTAssertNotNil(r.stdout.range(of: #"no-oversell: [123] in 3 trials: rate [0-9.]+%, 95% CI [0-9.]+%–[0-9.]+%"#, options: .regularExpression), r.stdout)
        XCTAssertTrue(r.stdout.contains("7 invariants never violated: 0 in 3 trials: rate below 56.1% at 95% each"), r.stdout)
        let xml = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(xml.contains("<testsuite name=\"sweep-locks[lock.mode=flock,buyers.count=10]\""), xml)
        XCTAssertTrue(xml.contains("<property name=\"cell\" value=\"lock.mode=flock,buyers.count=10\"/>"), xml)
        let rows = try csvRows(reports)
        XCTAssertEqual(rows.count, 12)
        XCTAssertEqual(rows[0]["lock.mode"], "none")
        XCTAssertEqual(rows[0]["buyers.count"], "2")
        // Whether trial 1 of the 2-buyer race oversold is the scheduler's choice; that some
        // unlocked trial did (the cell PASSes with expect violated), and no locked one did, is not.
        XCTAssertTrue(rows.allSatisfy { ["holds", "violated"].contains($0["no-oversell"] ?? "") }, "\(rows)")
        XCTAssertTrue(rows.contains { $0["lock.mode"] == "none" && $0["no-oversell"] == "violated" }, "\(rows)")
        XCTAssertTrue(rows.filter { $0["lock.mode"] == "flock" }.allSatisfy { $0["no-oversell"] == "holds" }, "\(rows)")
        XCTAssertEqual(rows[11]["lock.mode"], "flock")
        XCTAssertEqual(rows[11]["sold"], "1")
        let json = try summary(reports)
        let cells = try XCTUnwrap(json["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 4)
        XCTAssertEqual((cells[3]["cell"] as? [String: String])?["buyers.count"], "10")
        XCTAssertNotNil((cells[3]["latency_ms"] as? [String: Any])?["p99"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: reports.appendingPathComponent("index.html").path))
    }

    /// The printed rerun command, run as printed, repeats the trial: same cell, index and seed.
    func testRerunCommandReproducesTheTrial() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: naive
            tickets: 1
            buyers: 3
            delays: {start: {uniform: [0, 5ms]}, search: 30s}
            timeout: 150ms
            trials: 3
            seed: 5
            invariants: [no-oversell, all-finished]
            matrix: {lock.mode: [none, flock]}
            """, to: "naive.yaml", in: dir)
        let first = dir.appendingPathComponent("first")
        let r = try CLI.run(["run", file, "--reports", first.path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.contains("rerun: ticketrush run") })
        let command = String(line.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(command, "ticketrush run \(file) --cell 'naive[lock.mode=none]' --trial 1 --seed 5")
        let again = dir.appendingPathComponent("again")
        // The printed command, through a shell as a user would paste it.
        let shell = try runTool("/bin/sh", ["-c", "'\(CLI.binary.path)'" + command.dropFirst("ticketrush".count) + " --reports '\(again.path)' --quiet"],
                                in: dir, timeout: 180)
        XCTAssertEqual(shell.status, 1, shell.stdout + shell.stderr)
        let before = try csvRows(first).first { $0["cell"] == "lock.mode=none" && $0["trial"] == "1" }
        let after = try csvRows(again)
        XCTAssertEqual(after.count, 1)
        // A timeout that always bites: the outcome does not depend on the scheduler, so all must match.
        for key in ["scenario", "cell", "trial", "seed", "sold", "final_count", "no-oversell", "all-finished", "timed_out"] {
            XCTAssertEqual(after[0][key], before?[key], key)
        }
    }

    /// Three shards merged write what one whole run writes, timing aside.
    func testShardsMergeIntoTheWholeRun() throws {
        let dir = try CLI.temporaryFolder(self)
        // Outcomes that do not depend on the scheduler (locked buyers; a timeout that always
        // bites), so everything but timing must match.
        let files = [try CLI.write("""
            name: eq
            tickets: 2
            lock: {mode: flock, scope: task}   # searches too: no torn read even with in-place writes
            seed: 4
            trials: 2
            delays: {write: {uniform: [0, 1ms]}}
            matrix:
              storage.write: [atomic, in-place]
              buyers.count: [1, 3]
            ---
            name: eq-timeout
            tickets: 1
            buyers: 2
            delays: {search: 30s}
            timeout: 100ms
            seed: 2
            trials: 2
            invariants: [all-finished, no-oversell]
            expect: {all-finished: violated}
            """, to: "eq.yaml", in: dir), "\(root)/scenarios/first/4-lost-update-locked.yaml"]
        let whole = dir.appendingPathComponent("whole")
        XCTAssertEqual(try CLI.run(["run"] + files + ["--trials", "2", "--reports", whole.path, "--quiet"]).status, 0)
        var shards: [String] = []
        for k in 1...3 {
            let out = dir.appendingPathComponent("shard\(k)").path
            let r = try CLI.run(["run"] + files + ["--trials", "2", "--shard", "\(k)/3", "--reports", out, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            shards.append(out)
        }
        let shardRows = try shards.map { try csvRows(URL(fileURLWithPath: $0)).count }
        XCTAssertEqual(shardRows.reduce(0, +), 12)
        XCTAssertEqual(shardRows, [4, 4, 4])
        let merged = dir.appendingPathComponent("merged")
        let m = try CLI.run(["merge"] + shards + ["--reports", merged.path])
        XCTAssertEqual(m.status, 0, m.stdout + m.stderr)
        for name in ["junit.xml", "results.csv", "summary.json"] {
            let a = try normalised(whole.appendingPathComponent(name)), b = try normalised(merged.appendingPathComponent(name))
            XCTAssertEqual(a, b, name)
            XCTAssertGreaterThan(a.count, 500)
        }
        let missing = try CLI.run(["merge", shards[0], shards[2], "--reports", dir.appendingPathComponent("x").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("incomplete shard set: missing 2/3"), missing.stderr)
    }

    /// Timing differs between any two runs: durations, latencies, rates, timestamps and host
    /// are blanked; everything else (seeds, verdicts, counts, evidence) must match.
    private func normalised(_ url: URL) throws -> String {
        var text = try String(contentsOf: url, encoding: .utf8)
        let patterns: [(String, String)] = [
            (#"(time|timestamp|hostname)="[^"]*""#, "$1=\"\""),
            (#"[0-9]+\.[0-9]+ ms"#, "T ms"), (#"[0-9]+\.[0-9]{3}s\b"#, "Ts"),
            (#""(duration_ms|purchases_per_s|latency_ms|lock_ms)": (\{[^}]*\}|[0-9.]+|null)"#, "\"$1\": T"),
        ]
        for (pattern, template) in patterns {
            let re = try NSRegularExpression(pattern: pattern)
            text = re.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }
        if url.pathExtension == "csv" {
            // Timing columns are the last six: duration_ms … lock_hold_ms.
            text = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast(6).joined(separator: ",") }.joined(separator: "\n")
        }
        return text
    }

    func testJobsRunTheSameTrialsWithTheSameSeeds() throws {
        let dir = try CLI.temporaryFolder(self)
        let one = dir.appendingPathComponent("one"), two = dir.appendingPathComponent("two")
        let file = "\(root)/scenarios/sweep-locks.yaml"
        XCTAssertEqual(try CLI.run(["run", file, "--trials", "3", "--reports", one.path, "--quiet"]).status, 0)
        let r = try CLI.run(["run", file, "--trials", "3", "--jobs", "2", "--reports", two.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        // Which trials the race bites in may differ; which trials ran, with which seeds, may not.
        let a = try csvRows(one).map { [$0["cell"]!, $0["trial"]!, $0["seed"]!] }
        let b = try csvRows(two).map { [$0["cell"]!, $0["trial"]!, $0["seed"]!] }
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 12)
    }

    func testUntilStopsWhenBoundedOrViolated() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: until
            tickets: 1
            buyers: 2
            delays: {write: 50ms}
            storage: {write: atomic}
            seed: 3
            trials: {until: {rate_below: 20%}, max: 200}
            invariants: [no-oversell]
            matrix: {lock.mode: [flock, none]}
            """, to: "until.yaml", in: dir)
        let reports = dir.appendingPathComponent("r")
        let r = try CLI.run(["run", file, "--reports", reports.path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        // 0 in n: the Wilson upper bound z²/(n+z²) first drops below 20% at n = 16.
        XCTAssertTrue(r.stdout.contains("PASS  until[lock.mode=flock]  16 trials"), r.stdout)
        XCTAssertTrue(r.stdout.contains("stopped after 16 trials: every hold invariant's rate is below 20.00% at 95%"), r.stdout)
        // Both buyers read before either writes (50 ms apart): the first trial oversells, unless
        // the scheduler starves one buyer that long; either way the first violation stops the cell.
        XCTAssertTrue(r.stdout.contains("FAIL  until[lock.mode=none]  "), r.stdout)
        XCTAssertTrue(r.stdout.contains(": a hold invariant was violated"), r.stdout)
        let cells = try XCTUnwrap(try summary(reports)["cells"] as? [[String: Any]])
        XCTAssertEqual((cells[0]["stop"] as? [String: Any])?["reason"] as? String, "bounded")
        XCTAssertEqual(cells[0]["trials"] as? Int, 16)
        XCTAssertEqual(cells[0]["trials_planned"] as? Int, 200)
    }

    func testShardNeedsFixedSeedsAndCellMustExist() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("name: s\ntickets: 1\nbuyers: 2\nmatrix: {lock.mode: [none, flock]}\n", to: "s.yaml", in: dir)
        let r = try CLI.run(["run", file, "--shard", "1/2", "--reports", dir.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--shard needs fixed seeds"), r.stderr)
        let bad = try CLI.run(["run", file, "--shard", "3/2"])
        XCTAssertEqual(bad.status, 2)
        let cell = try CLI.run(["run", file, "--cell", "lock.mode=flok", "--reports", dir.path])
        XCTAssertEqual(cell.status, 2)
        XCTAssertTrue(cell.stderr.contains("no scenario or cell named 'lock.mode=flok'; there are: s[lock.mode=none], s[lock.mode=flock]"), cell.stderr)
    }

    /// Plain progress lines when stderr is a file, a redrawn line on a terminal, none with --quiet.
    func testProgressOnStderr() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = "\(root)/scenarios/first/2-seed-mutex.yaml"
        let plain = try CLI.run(["run", file, "--trials", "3", "--reports", dir.path])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.hasPrefix("progress: cells 0/1  trials 1/3  violating 0 (0.0%)"), plain.stderr)
        XCTAssertFalse(plain.stderr.contains("\u{1B}"), "no terminal codes in a log")
        let quiet = try CLI.run(["run", file, "--trials", "3", "--reports", dir.path, "--quiet"])
        XCTAssertEqual(quiet.stderr, "")
        // A terminal, through script(1)'s pseudo-terminal, where it exists.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let typed = try CLI.run(["run", file, "--trials", "3", "--reports", dir.path], terminal: true)
        XCTAssertTrue(typed.stdout.contains("\r\u{1B}[Kcells 0/1  trials 1/3"), typed.stdout)
    }

    /// Ctrl-C to the runner alone reaches its job workers: all buyers reaped, exit 130, reports kept.
    func testInterruptWithJobsStopsEveryWorker() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("name: long\ntickets: 1\nbuyers: 3\ndelays: {search: 30s}\ntrials: 4\n",
                                 to: "long-\(UUID().uuidString).yaml", in: dir)
        // Signal only once a worker is inside a trial (its folder exists), never after a guessed sleep.
        let work = dir.appendingPathComponent("work")
        let status = try CLI.interrupt(["run", file, "--jobs", "2", "--reports", dir.appendingPathComponent("r").path, "--work", work.path],
                                       ready: { CLI.hasTrialFolder(in: work) })
        XCTAssertEqual(status, 130)
        XCTAssertFalse(CLI.processesRemain(matching: file), "workers or buyers survived the interrupt")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r/junit.xml").path))
    }
}
