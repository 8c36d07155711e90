import Foundation
import XCTest
import TicketRushFormat

/// Each lint rule: a scenario that trips it (at the key it is about) and one that does not.
final class LintTests: XCTestCase {
    static let base = "name: t\ntickets: 1\nbuyers: 10\n"

    func warnings(_ text: String) throws -> [String] {
        let (documents, errors) = ScenarioLoader().inspect(data: Data(text.utf8), path: "t.yaml")
        XCTAssertEqual(errors, [], "the scenario must load")
        return documents.flatMap(Self.lint).map { "\($0.location.line):\($0.location.column): \($0.rule ?? "-")" }
    }

    /// Every rule but torn-read-by-luck, which flags nearly every in-place timing case
    /// here; TornReadByLuckTests covers it.
    static func lint(_ document: LoadedDocument) -> [Diagnostic] {
        ScenarioLint.warnings(document).filter { $0.rule != LintRule.tornReadByLuck.id }
    }

    struct Case {
        var yaml: String
        var expected: [String]
        var line: UInt
        init(_ yaml: String, _ expected: [String], line: UInt = #line) {
            self.yaml = yaml
            self.expected = expected
            self.line = line
        }
    }

    static let cases: [Case] = [
        // Clean: the tutorial's scenarios as shipped.
        Case(base + "delays: {search: 1s, write: 1s}\ntime_scale: 0.01\ntrials: 20\nexpect: {no-oversell: violated}\n", []),
        Case(base + "delays: {write: 1s}\nlock: {mode: flock, scope: purchase}\n", []),
        // expect-needs-luck: one trial, and a window under 1ms or none at all.
        Case(base + "delays: {write: 100us}\nexpect: {no-oversell: violated}\n", ["5:23: expect-needs-luck"]),
        Case(base + "expect: {conservation: violated}\n", ["4:24: expect-needs-luck"]),
        Case(base + "delays: {write: 50ms, start: {uniform: [0, 80ms]}}\nexpect: {no-oversell: violated}\n", ["5:23: expect-needs-luck"]),
        Case(base + "delays: {write: 50ms}\nexpect: {no-oversell: violated}\n", []),
        Case(base + "expect: {conservation: violated}\ntrials: 20\n", []),
        Case(base + "expect: {conservation: violated}\nschedule: exhaustive\n", []),
        // violation-impossible
        Case("name: t\ntickets: 1\nbuyers: 1\ntrials: 5\nexpect: {no-oversell: violated}\n", ["5:23: violation-impossible"]),
        Case(base + "storage: {write: atomic}\ntrials: 5\nexpect: {no-torn-read: violated}\n", ["6:24: violation-impossible"]),
        // dead-holder-waits: only kills, only locks nobody frees, only long timeouts, only
        // timing (a controlled schedule sees no enabled buyer and says deadlock at once)
        Case(base + "lock: semaphore\nschedule: exhaustive\nfaults:\n  - kill: {buyers: [1], at: lock.acquired}\n", []),
        Case(base + "lock: semaphore\nfaults:\n  - kill: {buyers: [1], at: lock.acquired}\n", ["6:11: dead-holder-waits"]),
        Case(base + "lock: lockfile\ntimeout: 2s\nfaults:\n  - kill: {buyers: [1], at: lock.acquired}\n", []),
        Case(base + "lock: mutex\nfaults:\n  - kill: {buyers: [1], at: lock.acquired}\n", []),
        Case(base + "lock: semaphore\nfaults:\n  - stall: {buyers: [1], at: lock.acquired, for: 1s}\n", []),
        // lock-scope-write and scope-without-lock
        Case(base + "lock: {mode: flock, scope: write}\n", ["4:28: lock-scope-write"]),
        Case(base + "lock: {mode: flock, scope: write}\ntrials: 9\nexpect: {no-oversell: violated}\n", []),
        Case(base + "lock: {mode: none, scope: task}\n", ["4:27: scope-without-lock"]),
        // tiny-delay: after time_scale, under 1us
        Case(base + "delays: {search: 10us, write: 5ms}\ntime_scale: 0.01\n", ["4:18: tiny-delay"]),
        Case(base + "delays: {search: {uniform: [0, 50us]}}\ntime_scale: 0.001\n", ["4:18: tiny-delay"]),
        Case(base + "delays: {search: 100us}\ntime_scale: 0.01\n", []),
        // truncate-with-atomic
        Case(base + "delays: {truncate: 5ms}\nstorage: {write: atomic}\n", ["4:20: truncate-with-atomic"]),
        // low-demand
        Case("name: t\ntickets: 100\nbuyers: {count: 10, wants: 3}\n", ["2:10: low-demand"]),
        Case("name: t\ntickets: 100\nbuyers: {count: 10, wants: 5}\n", []),
        // timeout-too-short
        Case(base + "delays: {search: 2s, write: 2s}\ntimeout: 3s\n", ["5:10: timeout-too-short"]),
        Case(base + "delays: {search: 2s, write: 2s}\ntime_scale: 0.1\ntimeout: 3s\n", []),
    ]

    func testRules() throws {
        for c in Self.cases {
            XCTAssertEqual(try warnings(c.yaml), c.expected, c.yaml, line: c.line)
        }
    }

    func testWarningsReadLikeCompilerOutput() throws {
        let (documents, _) = ScenarioLoader().inspect(data: Data((Self.base + "lock: {mode: flock, scope: write}\n").utf8), path: "t.yaml")
        XCTAssertEqual(Self.lint(documents[0]).map(\.description), [
            "t.yaml:4:28: warning: lock.scope 'write' locks only the write: buyers still read the same count and oversell; use 'purchase' to fix the race (or expect no-oversell: violated if the mistake is the point) [lock-scope-write]",
        ])
    }

    func testMessagesSayWhatTheScaleMakesOfTheDelays() throws {
        let (documents, _) = ScenarioLoader().inspect(data: Data((Self.base + "delays: {search: 10us, write: {uniform: [0, 50us]}, start: 3s}\ntime_scale: 0.01\ntimeout: 10ms\ntrials: 20\n").utf8), path: "t.yaml")
        XCTAssertEqual(Self.lint(documents[0]).map(\.message), [
            "delays.search becomes 100ns after time_scale 0.01: shorter than 1us, which no sleep honours; raise the delay or time_scale, or write 0",
            "delays.write is at most 500ns after time_scale 0.01: shorter than 1us, which no sleep honours; raise the delay or time_scale, or write 0",
            "timeout 10ms is shorter than one buyer's own delays (at least 30ms after time_scale): every trial will be cut off",
        ])
    }

    func testIgnoreCommentSilencesNamedRulesOnItsLineOrTheNext() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("i.yaml").path
        try """
            name: t
            # ticketrush-ignore: low-demand (a quiet day on purpose)
            tickets: 100
            buyers: 10
            delays: {truncate: 2ms}  # ticketrush-ignore: tiny-delay, truncate-with-atomic
            storage: {write: atomic}
            lock: {mode: flock, scope: write}  # ticketrush-ignore: low-demand
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let report = ScenarioValidator.validate([file])
        XCTAssertEqual(report.all.map { "\($0.location.line): \($0.rule ?? "")" }, ["7: lock-scope-write"])
    }

    func testRuleIdsAreUnique() {
        XCTAssertEqual(Set(ScenarioLint.rules.map(\.id)).count, ScenarioLint.rules.count)
    }
}
