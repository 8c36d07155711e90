import Foundation
import TicketRushTestSupport
import XCTest

/// Warm buyers (docs/schedules.md): a controlled cell's built-in buyers kept alive across its
/// schedules give exactly what a fresh fork per schedule gives, are really reused, are
/// replaced when one dies, and never outlive the runner.
final class WarmBuyerTests: XCTestCase {
    /// Every lock mode the built-in buyers have on the JSON store, under each strategy; the
    /// exhaustive searches cut some schedules short (DPOR), which retires the crew.
    private let cells = """
        name: warm-none-random
        tickets: 1
        buyers: 2
        seed: 3
        schedule: {strategy: random, runs: 40}
        invariants: [no-oversell, conservation, no-torn-read, one-outcome, all-finished]
        ---
        name: warm-flock-pct
        tickets: 2
        buyers: {count: 3, wants: 1}
        lock: {mode: flock, scope: purchase}
        storage: {write: atomic}
        seed: 4
        schedule: {strategy: pct, depth: 2, runs: 30, shrink: 0}
        invariants: [no-oversell, conservation, one-outcome, all-finished]
        ---
        name: warm-semaphore-exhaustive
        tickets: 1
        buyers: 2
        lock: {mode: semaphore, scope: purchase}
        seed: 1
        schedule: exhaustive
        invariants: [no-oversell, conservation, one-outcome, all-finished]
        ---
        name: warm-lockfile-exhaustive
        tickets: 1
        buyers: 3
        lock: {mode: lockfile, scope: purchase}
        seed: 2
        schedule: {strategy: exhaustive, preemptions: 1}
        invariants: [no-oversell, conservation, all-finished]
        ---
        name: warm-mutex-random
        tickets: 1
        buyers: {count: 2, wants: 2}
        lock: {mode: mutex, scope: task}
        seed: 5
        schedule: {strategy: random, runs: 25, shrink: 0}
        invariants: [no-oversell, conservation, one-outcome]
        ---
        name: warm-optimistic-random
        tickets: 2
        buyers: 2
        lock: {mode: optimistic, scope: purchase}
        storage: {write: atomic}
        seed: 6
        schedule: {strategy: random, runs: 25, shrink: 0}
        invariants: [no-oversell, conservation]
        ---
        name: warm-fcntl-exhaustive
        tickets: 1
        buyers: 2
        lock: {mode: fcntl, scope: task}
        seed: 7
        schedule: exhaustive
        invariants: [no-oversell, conservation, one-outcome]
        """

    /// A trials.json value without its times: keys ending in `Ns`, and "0.131 ms" in texts.
    private func timeless(_ value: Any) -> Any {
        if let d = value as? [String: Any] {
            return d.filter { !$0.key.hasSuffix("Ns") && $0.key != "startedAt" }.mapValues(timeless)
        }
        if let a = value as? [Any] { return a.map(timeless) }
        if let s = value as? String {
            return s.replacingOccurrences(of: #"\d+(\.\d+)?\s?(ms|µs|ns|s)\b"#, with: "T", options: .regularExpression)
        }
        return value
    }

    /// Each trial, and the cells, as sorted-key JSON without times.
    private func facts(_ reports: URL) throws -> [String] {
        let data = try Data(contentsOf: reports.appendingPathComponent("trials.json"))
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let trials = try XCTUnwrap(doc["trials"] as? [Any]) + [doc["cells"] ?? []]
        return try trials.map { t in
            String(decoding: try JSONSerialization.data(withJSONObject: timeless(t), options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Every schedule's final document as its kept trial folder holds it.
    private func documents(_ work: URL) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        for cell in (try? fm.contentsOfDirectory(atPath: work.path)) ?? [] where !cell.contains("~") {
            for trial in (try? fm.contentsOfDirectory(atPath: work.appendingPathComponent(cell).path)) ?? [] {
                let doc = work.appendingPathComponent(cell).appendingPathComponent(trial).appendingPathComponent("db.json")
                out["\(cell)/\(trial)"] = (try? String(contentsOf: doc, encoding: .utf8)) ?? "(none)"
            }
        }
        return out
    }

    func testWarmBuyersGiveTheReportsOfFreshForks() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write(cells, to: "warm.yaml", in: dir)
        var seen: [String: ([String], [String: String], String)] = [:]
        for mode in ["0", "count"] {
            let reports = dir.appendingPathComponent("r\(mode)"), work = dir.appendingPathComponent("w\(mode)")
            let r = try CLI.run(["run", file, "--reports", reports.path, "--work", work.path, "--quiet"],
                                env: ["TICKETRUSH_WARM_BUYERS": mode], timeout: 600)
            XCTAssertEqual(r.status, 1, "the unlocked race oversells (no expectations): exit 1\n" + r.stdout + r.stderr)
            seen[mode] = (try facts(reports), documents(work), r.stderr)
        }
        let (fresh, warm) = (try XCTUnwrap(seen["0"]), try XCTUnwrap(seen["count"]))
        XCTAssertFalse(fresh.2.contains("warm-buyers:"), "TICKETRUSH_WARM_BUYERS=0 forks fresh buyers:\n" + fresh.2)
        // The warm run really reused its buyers: fewer crews than schedules in every cell.
        let counts = warm.2.split(separator: "\n").compactMap { CLI.captures(#"warm-buyers: [^:]+: (\d+) schedules, (\d+) crews"#, in: String($0)) }
        XCTAssertEqual(counts.count, 7, warm.2)
        let schedules = counts.map { Int($0[0] ?? "") ?? 0 }.reduce(0, +), crews = counts.map { Int($0[1] ?? "") ?? 0 }.reduce(0, +)
        for c in counts { XCTAssertLessThanOrEqual(Int(c[1] ?? "") ?? .max, Int(c[0] ?? "") ?? 0, warm.2) }
        XCTAssertLessThan(crews * 2, schedules, warm.2)
        XCTAssertTrue(warm.2.contains("warm-none-random: 40 schedules, 1 crews"), warm.2)
        XCTAssertEqual(fresh.0.count, warm.0.count)
        for (a, b) in zip(fresh.0, warm.0) where a != b { XCTFail("warm differs from fresh:\n  fresh: \(a)\n  warm:  \(b)") }
        XCTAssertTrue(fresh.0.contains { $0.contains("\"verdict\":\"violated\"") }, "the races must be found")
        XCTAssertGreaterThan(fresh.1.count, 120, "every schedule keeps its folder under --work")
        XCTAssertEqual(fresh.1, warm.1, "each kept trial folder holds the document its schedule left")
    }

    /// A buyer killed from outside while the crew is warm: the cell goes on with a fresh crew.
    func testABuyerKilledFromOutsideIsReplacedByAFreshFork() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: warm-replaced
            tickets: 1
            buyers: 2
            seed: 8
            schedule: {strategy: random, runs: 100000, shrink: 0}
            invariants: [no-oversell]
            """, to: "replaced.yaml", in: dir)
        let running = try TicketRushBinary.start(["run", file, "--reports", dir.appendingPathComponent("r").path, "--quiet"],
                                                 env: ["TICKETRUSH_WARM_BUYERS": "count"])
        defer { running.kill() }
        func living() -> Set<pid_t> { Set(ProcessTable.descendants(of: running.pid).filter { $0.state != "Z" }.map(\.pid)) }
        var crew: Set<pid_t> = []
        XCTAssertTrue(poll(within: 30) {
            crew = living()
            return crew.count == 2
        }, "the crew never appeared")
        kill(try XCTUnwrap(crew.first), SIGKILL)
        // Killed within a schedule or between two, the buyer is replaced: new processes appear.
        XCTAssertTrue(poll(within: 30) { !living().subtracting(crew).isEmpty }, "no fresh crew after a buyer was killed")
        running.process.signal(SIGINT)
        let r = try running.finish(timeout: 60)
        XCTAssertEqual(r.status, 130, r.stderr)
        let crews = CLI.captures(#"warm-buyers: warm-replaced: \d+ schedules, (\d+) crews"#, in: r.stderr)?.first.flatMap { $0 }.flatMap { Int($0) }
        XCTAssertGreaterThanOrEqual(crews ?? 0, 2, "a fresh crew replaced the broken one:\n" + r.stderr)
    }

    /// SIGKILL of the runner while its crew waits or runs: every warm buyer dies with it.
    func testWarmBuyersDieWithAKilledRunner() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: warm-orphans
            tickets: 1
            buyers: 3
            seed: 9
            schedule: {strategy: random, runs: 100000, shrink: 0}
            invariants: [no-oversell]
            """, to: "orphans.yaml", in: dir)
        let running = try TicketRushBinary.start(["run", file, "--reports", dir.appendingPathComponent("r").path, "--quiet"])
        defer { running.kill() }
        XCTAssertTrue(poll(within: 30) { ProcessTable.descendants(of: running.pid).filter { $0.state != "Z" }.count >= 3 }, "the crew never appeared")
        running.process.signal(SIGKILL)
        TicketRushBinary.assertNothingOutlives(running.process)
    }
}
