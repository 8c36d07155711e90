import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// Anchors, merge keys, `x-` keys and base documents: a family of scenarios shares a base.
final class MergeKeyTests: XCTestCase {
    func load(_ text: String) throws -> [Scenario] {
        try ScenarioLoader().load(data: Data(text.utf8), path: "family.yaml")
    }

    func testBaseDocumentIsSharedAcrossDocuments() throws {
        let scenarios = try load("""
            x-base: &base
              tickets: 1
              buyers: {count: 10}
              delays: {write: 10ms}
              trials: 5
            ---
            <<: *base
            name: race
            ---
            <<: *base
            name: mutex
            lock: flock
            trials: 7
            """)
        XCTAssertEqual(scenarios.map(\.name), ["race", "mutex"])
        XCTAssertEqual(scenarios.map(\.buyers.count), [10, 10])
        XCTAssertEqual(scenarios.map(\.delays.write), [.fixed(10_000_000), .fixed(10_000_000)])
        XCTAssertEqual(scenarios.map(\.lock.mode), [.none, .flock])
        XCTAssertEqual(scenarios.map(\.trials), [5, 7], "own keys win over merged ones")
    }

    func testExtensionKeyInsideOneDocument() throws {
        let scenarios = try load("""
            x-delays: &slow {search: 1s, write: 2s}
            name: one
            tickets: 1
            buyers: 2
            delays:
              <<: *slow
              write: 3s
            """)
        XCTAssertEqual(scenarios[0].delays.search, .fixed(1_000_000_000))
        XCTAssertEqual(scenarios[0].delays.write, .fixed(3_000_000_000))
    }

    func testListOfMergesEarlierWins() throws {
        let scenarios = try load("""
            x-a: &a {tickets: 5, trials: 2}
            x-b: &b {tickets: 9, seed: 4}
            name: both
            buyers: 2
            <<: [*a, *b]
            """)
        XCTAssertEqual(scenarios[0].tickets, 5)
        XCTAssertEqual(scenarios[0].trials, 2)
        XCTAssertEqual(scenarios[0].seed, 4)
    }

    func testNestedMergeOfMerge() throws {
        let scenarios = try load("""
            x-one: &one {tickets: 3}
            x-two: &two {<<: *one, buyers: 4}
            name: nested
            <<: *two
            """)
        XCTAssertEqual(scenarios[0].tickets, 3)
        XCTAssertEqual(scenarios[0].buyers.count, 4)
    }

    func testMergedErrorsPointIntoTheBase() {
        let (_, diagnostics) = ScenarioLoader().check(data: Data("x-base: &base {tickets: -1}\n---\n<<: *base\nname: a\nbuyers: 1\n".utf8), path: "f.yaml")
        XCTAssertEqual(diagnostics.map(\.description), ["f.yaml:1:25: error: 'tickets' must be >= 0, got -1"])
    }

    func testExtensionKeysOnlyAtTheTop() {
        let (_, diagnostics) = ScenarioLoader().check(data: Data("name: a\ntickets: 1\nbuyers: {count: 1, x-note: hi}\n".utf8), path: "f.yaml")
        XCTAssertEqual(diagnostics.map(\.message), ["unknown key 'x-note' in 'buyers' (allowed: count, name, wants, command, control)"])
    }
}
