import Foundation
import XCTest

/// Faults at a time offset (`after:`, issue 11), through the built binary: program buyers
/// (judged by patterns and by the protocol) and built-in buyers, killed or stalled that long
/// after the start barrier. Each target has a long sleep or delay, so the offset surely lands
/// while it is still running; every assertion is one the scheduler cannot change.
final class TimeFaultTests: XCTestCase {
    private struct LogLine {
        var tRelNs: Int64
        var buyer: Int
        var event: String
        var value: Int64
        var reason: String?
        var landing: String?
    }

    private func log(_ url: URL) throws -> [LogLine] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return LogLine(tRelNs: (o["t_rel_ns"] as? NSNumber)?.int64Value ?? -1, buyer: o["buyer"] as? Int ?? 0,
                           event: o["event"] as? String ?? "", value: (o["value"] as? NSNumber)?.int64Value ?? 0,
                           reason: o["reason"] as? String, landing: o["landing"] as? String)
        }
    }

    /// Processes whose working folder lies inside `work` (the programs run in their trial folders).
    private func leftovers(in work: URL) -> [String] {
        let prefix = work.resolvingSymlinksInPath().path + "/"
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid -> String? in
            guard Int(pid) != nil, let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
                  (cwd + "/").hasPrefix(prefix) else { return nil }
            return pid
        }
    }

    /// What must hold for a program buyer 1 killed at 150 ms while it sleeps: one fault.kill,
    /// landed at the offset, its task closed as killed, no purchase; the others untouched.
    private func assertKilledAtTheOffset(_ lines: [LogLine], buyers: Int, file: StaticString = #filePath, line: UInt = #line) {
        let kills = lines.filter { $0.event == "fault.kill" }
        XCTAssertEqual(kills.map(\.buyer), [1], file: file, line: line)
        XCTAssertEqual(kills.first?.landing, "offset", file: file, line: line)
        XCTAssertEqual(kills.first?.value, 9, file: file, line: line)
        XCTAssertGreaterThanOrEqual(kills.first?.tRelNs ?? 0, 150_000_000, "not before the offset", file: file, line: line)
        XCTAssertEqual(lines.filter { $0.buyer == 1 && $0.event == "error" }.map(\.reason), ["killed"], file: file, line: line)
        XCTAssertFalse(lines.contains { $0.buyer == 1 && $0.event == "bought" }, file: file, line: line)
        for b in 2...buyers {
            XCTAssertTrue(lines.contains { $0.buyer == b && $0.event == "bought" }, "buyer \(b)", file: file, line: line)
            XCTAssertFalse(lines.contains { $0.buyer == b && $0.event.hasPrefix("fault.") }, "buyer \(b)", file: file, line: line)
        }
    }

    /// A pattern program (a shell buyer that prints and sleeps) killed 150 ms in: killed in
    /// the middle of its sleep, with the sleep (the buyer's child) gone too, so the trial ends
    /// at once rather than at the timeout (no-deadlock holds: exit 0).
    func testPatternProgramKilledAtATimeOffset() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work"), events = dir.appendingPathComponent("events")
        try CLI.write("""
            echo "$1 searching"
            if [ "$TICKETRUSH_BUYER" = 1 ]; then sleep 60; fi
            echo "$1 bought"

            """, to: "buy.sh", in: dir)
        let scenario = try CLI.write("""
            name: shell-kill
            tickets: 3
            buyers: {count: 3, command: [sh, "{dir}/buy.sh", "{name}"]}
            outcomes: {bought: ' bought$'}
            invariants: [one-outcome, all-finished, no-deadlock]
            faults:
              - kill: {buyers: [1], after: 150ms}
            timeout: 30s
            expect: {all-finished: violated}

            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--events", events.path, "--work", work.path, "--transcript"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        assertKilledAtTheOffset(try log(events.appendingPathComponent("shell-kill/trial-1.jsonl")), buyers: 3)
        XCTAssertTrue(result.stdout.contains("fault: runner kills buyer-1 (signal 9, at its time offset)"), result.stdout)
        XCTAssertEqual(leftovers(in: work), [])
    }

    /// A protocol program killed 150 ms in, between its lines: the same accounting.
    func testProtocolProgramKilledAtATimeOffset() throws {
        let dir = try CLI.temporaryFolder(self)
        let work = dir.appendingPathComponent("work"), events = dir.appendingPathComponent("events")
        try CLI.write("""
            printf '{"event":"search.read","value":3}\\n' >&3
            if [ "$TICKETRUSH_BUYER" = 1 ]; then sleep 60; fi
            printf '{"event":"bought","value":2}\\n' >&3

            """, to: "buy.sh", in: dir)
        let scenario = try CLI.write("""
            name: protocol-kill
            tickets: 3
            buyers: {count: 2, command: [sh, "{dir}/buy.sh"]}
            invariants: [one-outcome, all-finished, no-deadlock]
            faults:
              - kill: {buyers: [1], after: 150ms}
            timeout: 30s
            expect: {all-finished: violated}

            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--events", events.path, "--work", work.path], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let lines = try log(events.appendingPathComponent("protocol-kill/trial-1.jsonl"))
        assertKilledAtTheOffset(lines, buyers: 2)
        XCTAssertEqual(Set(lines.filter { $0.buyer == 1 }.map(\.event)).subtracting(["start", "search.read", "fault.kill", "error"]), [],
                       "killed before (or during) its sleep: nothing after its first line")
        XCTAssertEqual(leftovers(in: work), [])
    }

    /// A stall at an offset (scaled by time_scale) stops a pattern program and lets it go on;
    /// a target that has finished before its offset is not hit and nothing is logged for it.
    func testPatternProgramStalledAtATimeOffset() throws {
        let dir = try CLI.temporaryFolder(self)
        let events = dir.appendingPathComponent("events")
        try CLI.write("""
            echo "$1 searching"
            if [ "$TICKETRUSH_BUYER" = 1 ]; then sleep 3; fi
            echo "$1 bought"

            """, to: "buy.sh", in: dir)
        let scenario = try CLI.write("""
            name: shell-stall
            tickets: 2
            buyers: {count: 2, command: [sh, "{dir}/buy.sh", "{name}"]}
            outcomes: {bought: ' bought$'}
            invariants: [one-outcome, no-deadlock]
            time_scale: 0.5
            faults:
              - stall: {buyers: [1], after: 200ms, for: 600ms}   # 100 ms in, for 300 ms
              - kill: {buyers: [2], after: 3s}                   # 1.5 s in: buyer 2 is long done
            timeout: 30s

            """, to: "s.yaml", in: dir)
        let result = try CLI.run(["run", scenario, "--events", events.path, "--transcript"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let lines = try log(events.appendingPathComponent("shell-stall/trial-1.jsonl"))
        let stall = try XCTUnwrap(lines.first { $0.buyer == 1 && $0.event == "fault.stall" })
        let resume = try XCTUnwrap(lines.first { $0.buyer == 1 && $0.event == "fault.resume" })
        let bought = try XCTUnwrap(lines.first { $0.buyer == 1 && $0.event == "bought" })
        XCTAssertEqual(stall.landing, "offset")
        XCTAssertEqual(stall.value, 300_000_000, "600 ms × time_scale 0.5")
        XCTAssertGreaterThanOrEqual(stall.tRelNs, 100_000_000, "200 ms × time_scale 0.5")
        XCTAssertGreaterThanOrEqual(resume.tRelNs - stall.tRelNs, 300_000_000)
        XCTAssertGreaterThan(bought.tRelNs, resume.tRelNs, "its sleep of 3 s outlasts the stall")
        XCTAssertTrue(result.stdout.contains("fault: runner stalls buyer-1 for 300.000 ms, at its time offset"), result.stdout)
        // Buyer 2 exits at once; the runner saw it exit (its done) before 1.5 s, so it was not hit.
        let done = try XCTUnwrap(lines.first { $0.buyer == 2 && $0.event == "done" })
        if done.tRelNs < 1_500_000_000 {
            XCTAssertFalse(lines.contains { $0.buyer == 2 && $0.event.hasPrefix("fault.") }, "a finished buyer is left alone")
            XCTAssertFalse(lines.contains { $0.buyer == 2 && $0.event == "error" })
        }
    }

    /// Built-in buyers in a long search delay: buyer 2 killed 100 ms in (it never reaches its
    /// purchase), buyer 1 stalled 100 ms in for 1 s (its purchase comes after the resume); the
    /// survivors' purchases are judged as usual, in every trial.
    func testBuiltInBuyersKilledAndStalledAtATimeOffset() throws {
        let dir = try CLI.temporaryFolder(self)
        let events = dir.appendingPathComponent("events")
        let scenario = try CLI.write("""
            name: builtin-offset
            tickets: 1
            buyers: 3
            delays: {search: 500ms}
            storage: {write: atomic}
            lock: flock
            faults:
              - kill: {buyers: [2], after: 100ms}
              - stall: {buyers: [1], after: 100ms, for: 1s}
            trials: 2
            seed: 5
            expect: {all-finished: violated}

            """, to: "s.yaml", in: dir)
        let junit = dir.appendingPathComponent("j.xml")
        let result = try CLI.run(["run", scenario, "--events", events.path, "--junit", junit.path], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for trial in 1...2 {
            let lines = try log(events.appendingPathComponent("builtin-offset/trial-\(trial).jsonl"))
            let kill = try XCTUnwrap(lines.first { $0.event == "fault.kill" })
            XCTAssertEqual(kill.buyer, 2)
            XCTAssertEqual(kill.landing, "offset")
            XCTAssertGreaterThanOrEqual(kill.tRelNs, 100_000_000)
            XCTAssertFalse(lines.contains { $0.buyer == 2 && ["lock.wait", "purchase.read", "bought", "sold-out", "done"].contains($0.event) })
            XCTAssertEqual(lines.filter { $0.buyer == 2 && $0.event == "error" }.map(\.reason), ["killed"])
            let stall = try XCTUnwrap(lines.first { $0.buyer == 1 && $0.event == "fault.stall" })
            let resume = try XCTUnwrap(lines.first { $0.buyer == 1 && $0.event == "fault.resume" })
            XCTAssertEqual(stall.landing, "offset")
            XCTAssertGreaterThanOrEqual(resume.tRelNs - stall.tRelNs, 1_000_000_000)
            let purchase = try XCTUnwrap(lines.first { $0.buyer == 1 && $0.event == "purchase.read" })
            XCTAssertGreaterThan(purchase.tRelNs, resume.tRelNs, "its search delay (500 ms) had not run out when it was stopped")
            XCTAssertTrue(lines.contains { $0.buyer == 3 && $0.event == "done" })
        }
        let xml = try String(contentsOf: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains(#"<property name="faults[0]" value="kill buyers [2] after 100ms"/>"#), xml)
        XCTAssertTrue(xml.contains(#"<property name="faults[1]" value="stall 1s buyers [1] after 100ms"/>"#), xml)
    }

    /// validate / lint accept the new form, and refuse it under a controlled schedule.
    func testValidateAcceptsAnOffsetAndRefusesItUnderAControlledSchedule() throws {
        let dir = try CLI.temporaryFolder(self)
        let good = try CLI.write("name: v\ntickets: 1\nbuyers: 2\nfaults:\n  - kill: {buyers: [1], after: 150ms}\n", to: "good.yaml", in: dir)
        let ok = try CLI.run(["validate", good])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        let bad = try CLI.write("name: v\ntickets: 1\nbuyers: 2\nschedule: pct\nfaults:\n  - kill: {buyers: [1], after: 150ms}\n", to: "bad.yaml", in: dir)
        let refused = try CLI.run(["validate", bad])
        XCTAssertEqual(refused.status, 2, refused.stdout + refused.stderr)
        XCTAssertTrue((refused.stdout + refused.stderr).contains("bad.yaml:6:32: error: 'faults[0].kill.after' is a time offset"), refused.stdout + refused.stderr)
    }
}
