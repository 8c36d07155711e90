import Foundation
import TicketRushTestSupport
import XCTest

/// `--jobs N` on random and pct cells: the schedules of one cell split across worker
/// processes give exactly what one process gives (schedules, verdicts, first counterexample,
/// which trial keeps its timeline), whatever order the workers finish in.
final class ScheduleJobsTests: XCTestCase {
    private func trials(_ reports: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(doc["trials"] as? [[String: Any]])
    }

    /// Every trial without its times: cell, index, schedule string, verdicts, a kept timeline,
    /// and the exploration's coverage and counterexample on the cell's last record.
    private func facts(_ reports: URL) throws -> [String] {
        try trials(reports).map { t in
            let results = (t["results"] as? [[String: Any]] ?? []).map { "\($0["invariant"]!)=\($0["verdict"]!)" }.sorted()
            var line = "\(t["scenario"]!) #\(t["trial"]!) \(t["schedule"] ?? "-") \(results.joined(separator: ",")) timeline=\(t["timeline"] != nil)"
            if let x = t["exploration"] as? [String: Any] {
                line += " | \(x["statement"]!) | runs=\(x["runs"]!) violating=\(x["violating"]!) first=\(x["replay"] ?? "-") \(x["replayCommand"] ?? "-")"
            }
            return line
        }.sorted()
    }

    func testRandomAndPCTCellsSplitAcrossJobsEqualOneProcess() throws {
        let dir = try CLI.temporaryFolder(self)
        // 150 pct schedules span six rounds (1, 4, 8, 16, 32, 64 …), so k is learned across them.
        let cells = [("random3", "{strategy: random, runs: 90, shrink: 0}"), ("pct3", "{strategy: pct, depth: 2, runs: 150, shrink: 0}")]
        let file = try CLI.write(cells.map { name, schedule in
            """
            name: \(name)
            tickets: 1
            buyers: 3
            seed: 11
            schedule: \(schedule)
            invariants: [no-oversell, conservation]
            """
        }.joined(separator: "\n---\n"), to: "split.yaml", in: dir)
        var seen: [Int: [String]] = [:]
        for jobs in [1, 2, 3] {
            let reports = dir.appendingPathComponent("r\(jobs)")
            let r = try CLI.run(["run", file, "--jobs", "\(jobs)", "--reports", reports.path, "--work", dir.appendingPathComponent("w\(jobs)").path, "--quiet"],
                                timeout: 600)
            XCTAssertEqual(r.status, 1, "the race oversells: expectations not met\n" + r.stdout + r.stderr)
            seen[jobs] = try facts(reports)
        }
        let one = try XCTUnwrap(seen[1])
        XCTAssertEqual(one.count, 240, one.joined(separator: "\n"))
        XCTAssertEqual(one.filter { $0.contains("timeline=true") }.count, 2, "one kept timeline per cell:\n" + one.joined(separator: "\n"))
        XCTAssertTrue(one.contains { $0.contains("no-oversell=violated") }, "the race must be found")
        XCTAssertTrue(one.contains { $0.contains("pct d=2: 150 schedules") }, one.joined(separator: "\n"))
        for jobs in [2, 3] {
            let other = try XCTUnwrap(seen[jobs])
            XCTAssertEqual(other.count, one.count)
            for (a, b) in zip(one, other) where a != b { XCTFail("--jobs \(jobs) differs:\n  1: \(a)\n  \(jobs): \(b)") }
        }
    }

    /// The split is real: each protocol buyer writes the ticketrush processes above it (the
    /// runner first, then the worker that forked it), and one cell's schedules came from more
    /// than one worker — yet the verdicts equal one process's.
    func testOneCellsSchedulesRunInSeveralWorkerProcesses() throws {
        let dir = try CLI.temporaryFolder(self)
        // A folder, not a file: the files a command names are in the schedule's fingerprint.
        let folder = dir.appendingPathComponent("owners-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let owners = folder.appendingPathComponent("owners")
        let buy = CLI.repositoryRoot.appendingPathComponent("examples/shell/buy_protocol.sh").path
        let script = #"c=""; p=$PPID; while [ "$p" -gt 1 ]; do case "$(cat /proc/$p/comm)" in ticketrush*) c="$p $c";; esac; "#
            + #"p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2); done; echo $c >> "$1/owners"; exec sh "$2" "$0""#
        let file = try CLI.write("""
            name: race-owners
            tickets: 1
            buyers:
              count: 2
              command: [sh, "-c", '\(script.replacingOccurrences(of: "'", with: "''"))', "{name}", "\(folder.path)", "\(buy)"]
            seed: 5
            schedule: {strategy: random, runs: 12, shrink: 0}
            timeout: 10s
            invariants: [no-oversell, conservation]
            """, to: "owners.yaml", in: dir)
        var seen: [Int: [String]] = [:]
        for jobs in [1, 2] {
            try? FileManager.default.removeItem(at: owners)
            let reports = dir.appendingPathComponent("o\(jobs)")
            let r = try CLI.run(["run", file, "--jobs", "\(jobs)", "--reports", reports.path, "--quiet"], timeout: 300)
            XCTAssertNotEqual(r.status, 2, r.stdout + r.stderr)
            XCTAssertNotEqual(r.status, 3, r.stdout + r.stderr)
            seen[jobs] = try facts(reports)
            let lines = try String(contentsOf: owners, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
            // --jobs 2: the runner replays the first counterexample once more, to shrink it.
            XCTAssertEqual(lines.count, jobs == 1 ? 24 : 26, "2 buyers × 12 schedules")
            XCTAssertEqual(Set(lines.map { $0.first }).count, 1, "one runner")
            // runner → (worker →) the buyer's forked child → sh
            if jobs == 2 {
                let below = lines.filter { $0.count == 3 }
                XCTAssertEqual(below.count, 24, "every schedule's buyers are forked below a worker: \(lines)")
                XCTAssertGreaterThanOrEqual(Set(below.map { $0[1] }).count, 2, "one cell's schedules ran in one worker: \(lines)")
            } else {
                XCTAssertTrue(lines.allSatisfy { $0.count == 2 }, "no worker under --jobs 1: \(lines)")
            }
        }
        XCTAssertEqual(seen[1], seen[2])
    }

    /// `--fail-fast`: a search stops at its first violating schedule (by index, with or
    /// without workers), says so, and an exhaustive search stops short of its space.
    func testFailFastStopsAtTheFirstCounterexampleWithAnyJobs() throws {
        let dir = try CLI.temporaryFolder(self)
        let cells = [("random3", "{strategy: random, runs: 200, shrink: 0}"), ("pct3", "{strategy: pct, depth: 2, runs: 200, shrink: 0}"),
                     ("exhaustive3", "{strategy: exhaustive, shrink: 0}")]
        let file = try CLI.write(cells.map { name, schedule in
            "name: \(name)\ntickets: 1\nbuyers: 3\nseed: 11\nschedule: \(schedule)\ninvariants: [no-oversell, conservation]"
        }.joined(separator: "\n---\n"), to: "fast.yaml", in: dir)
        var seen: [Int: [String]] = [:]
        for jobs in [1, 2] {
            let reports = dir.appendingPathComponent("f\(jobs)")
            let r = try CLI.run(["run", file, "--fail-fast", "--jobs", "\(jobs)", "--reports", reports.path, "--quiet"], timeout: 600)
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            let facts = try facts(reports)
            seen[jobs] = facts
            for (name, _) in cells {
                let mine = facts.filter { $0.hasPrefix(name + " ") }
                let last = try XCTUnwrap(mine.first { $0.contains(" | ") }, name)
                XCTAssertTrue(last.contains("stopped at the first counterexample (--fail-fast)"), last)
                // Only the last schedule run violates: the search stopped at it.
                let violating = mine.filter { $0.contains("no-oversell=violated") }
                XCTAssertEqual(violating.count, 1, mine.joined(separator: "\n"))
                XCTAssertTrue(violating[0].contains("#\(mine.count - 1) "), "the violating schedule is the last one run: \(mine.joined(separator: "\n"))")
            }
            XCTAssertTrue(facts.contains { $0.hasPrefix("exhaustive3 ") && $0.contains("explored (INCOMPLETE)") }, "the search stopped short of its space")
        }
        XCTAssertEqual(seen[1], seen[2])
    }
}
