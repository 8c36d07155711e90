import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat
import TicketRushRunner

final class ScenarioLoaderTests: XCTestCase {
    private func load(_ yaml: String) throws -> [Scenario] {
        try ScenarioLoader().load(data: Data(yaml.utf8), path: "t.yaml")
    }

    private func errors(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map(\.description)
    }

    func testShorthandsAndDefaults() throws {
        let s = try XCTUnwrap(load("name: n\ntickets: 3\nbuyers: 4\nlock: flock\n").first)
        XCTAssertEqual(s.buyers, BuyerGroup(count: 4, nameTemplate: "buyer-{n}", wants: 1))
        XCTAssertEqual(s.lock, LockConfig(mode: .flock, scope: .purchase))
        XCTAssertEqual(s.storage, StorageConfig(kind: .json, path: "db.json", write: .inPlace))
        XCTAssertEqual(s.delays, Delays())
        XCTAssertEqual(s.timeScale, 1)
        XCTAssertEqual(s.trials, 1)
        XCTAssertNil(s.seed)
        XCTAssertEqual(s.timeoutNs, 60_000_000_000)
        XCTAssertEqual(s.invariants, Scenario.defaultInvariants)
        XCTAssertEqual(s.expectation(for: .noOversell), .hold)
        XCTAssertEqual(s.origin, SourceLocation(path: "t.yaml", line: 1, column: 1))
    }

    func testFullScenario() throws {
        let s = try XCTUnwrap(load("""
            name: full
            tickets: 1
            buyers: {count: 10, name: "路人{n}", wants: 2}
            delays: {search: 1s, write: 250ms, truncate: 40us, start: {uniform: [0, 2m]}}
            time_scale: 0.01
            storage: {path: sub/db.json, write: atomic}
            lock: {mode: flock, scope: write}
            trials: 20
            seed: 42
            timeout: 30
            invariants: [no-oversell, conservation]
            expect: {no-oversell: violated}
            """).first)
        XCTAssertEqual(s.buyers.name(of: 2), "路人3")
        XCTAssertEqual(s.delays, Delays(search: .fixed(1_000_000_000), write: .fixed(250_000_000),
                                        truncate: .fixed(40_000), start: .uniform(0, 120_000_000_000)))
        XCTAssertEqual(s.timeScale, 0.01)
        XCTAssertEqual(s.storage.write, .atomic)
        XCTAssertEqual(s.lock.scope, .write)
        XCTAssertEqual(s.seed, 42)
        XCTAssertEqual(s.timeoutNs, 30_000_000_000)
        XCTAssertEqual(s.invariants, [.noOversell, .conservation])
        XCTAssertEqual(s.expectation(for: .noOversell), .violated)
    }

    /// A table of bad inputs and the located message each must give.
    func testErrorTable() {
        let cases: [(yaml: String, expected: String)] = [
            ("name: x\ntickets: 1\nbuyers: 2\nlock_mode: flock\n", "t.yaml:4:1: error: unknown key 'lock_mode' in scenario; did you mean 'lock'? (allowed: \(SchemaText.keys()))"),
            ("name: x\ntickets: -1\nbuyers: 2\n", "t.yaml:2:10: error: 'tickets' must be >= 0, got -1"),
            ("name: x\ntickets: \"1\"\nbuyers: 2\n", "t.yaml:2:10: error: 'tickets' must be an integer >= 0, got the string '1'"),
            ("name: x\ntickets: 1\nbuyers: 0\n", "t.yaml:3:9: error: 'buyers' must be from 1 to 100000, got 0"),
            ("name: x\ntickets: 1\nbuyers: 2\nlock: {mode: flock, scope: purhcase}\n",
             "t.yaml:4:28: error: 'lock.scope' must be one of purchase, task, write, got 'purhcase'; did you mean 'purchase'?"),
            ("name: x\ntickets: 1\nbuyers: 2\nstorage: {path: /etc/passwd}\n",
             "t.yaml:4:17: error: 'storage.path' must be relative to the trial folder, not absolute: '/etc/passwd'"),
            ("name: x\ntickets: 1\nbuyers: 2\nstorage: {path: ../up.json}\n",
             "t.yaml:4:17: error: 'storage.path' may not leave the trial folder ('..'): '../up.json'"),
            ("name: x\ntickets: 1\nbuyers: 2\ndelays: {search: -1s}\n",
             "t.yaml:4:18: error: 'delays.search' must be a duration such as 1s, 250ms, 40us, 2m or a number of seconds (not negative), got '-1s'"),
            ("name: x\ntickets: 1\n", "t.yaml:1:1: error: missing required key 'buyers'"),
            ("name: x\ntickets: [1\n", "t.yaml:3:1: error: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at 2:10)"),
            ("", "t.yaml:1:1: error: empty scenario file: expected a mapping with at least name, tickets and buyers"),
            ("name: x\ntickets: 1\nbuyers: 2\ninvariants: [no-oversell]\nexpect: {conservation: violated}\n",
             "t.yaml:5:10: error: 'expect.conservation' names an invariant that 'invariants' leaves out"),
        ]
        for (yaml, expected) in cases {
            XCTAssertEqual(errors(yaml).first, expected, "for input:\n\(yaml)")
        }
    }

    func testNonUTF8IsLocated() {
        let data = Data("name: x\ntickets: 1\nbuyers: ".utf8) + Data([0xFF, 0xFE])
        XCTAssertEqual(ScenarioLoader().check(data: data, path: "t.yaml").diagnostics.first?.description,
                       "t.yaml:3:9: error: file is not valid UTF-8")
    }

    func testDurations() {
        let cases: [(String, Int64?)] = [
            ("1s", 1_000_000_000), ("250ms", 250_000_000), ("40us", 40_000), ("40µs", 40_000), ("2m", 120_000_000_000),
            ("1.5s", 1_500_000_000), ("0", 0), ("3", 3_000_000_000), ("5ns", 5), ("1h", 3_600_000_000_000),
            ("-1s", nil), ("1 parsec", nil), ("s", nil), ("", nil), ("1e3s", nil), ("inf", nil),
        ]
        for (text, ns) in cases { XCTAssertEqual(DurationText.parse(text), ns, text) }
        XCTAssertEqual(DurationText.format(250_000_000), "250ms")
        XCTAssertEqual(DurationText.format(1_500_000_000), "1500ms")
        XCTAssertEqual(DurationText.format(7), "7ns")
    }

    func testSameSeedSameDelays() {
        let delay = Delay.uniform(0, 1_000_000)
        let a = (0..<5).map { delay.draw(seed: 9, buyer: $0, task: 0, slot: 2, scale: 1) }
        let b = (0..<5).map { delay.draw(seed: 9, buyer: $0, task: 0, slot: 2, scale: 1) }
        let c = (0..<5).map { delay.draw(seed: 10, buyer: $0, task: 0, slot: 2, scale: 1) }
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertTrue(a.allSatisfy { (0...1_000_000).contains($0) })
    }
}
