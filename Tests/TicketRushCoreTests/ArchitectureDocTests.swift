import Foundation
import TicketRushTestSupport
import XCTest

/// docs/architecture.md's "Adding a key" quotes code: each quoted line must be in the
/// file it names, so the walkthrough cannot drift from the code again (it once described
/// a `kill_grace` key that was never kept).
final class ArchitectureDocTests: XCTestCase {
    func testAddingAKeyQuotesCodeThatExists() throws {
        let root = TestFiles.repositoryRoot
        let doc = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let start = try XCTUnwrap(doc.range(of: "\n## Adding a key\n"), "docs/architecture.md has no \"Adding a key\" section")
        let rest = doc[start.upperBound...]
        let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
        let code = try ["Sources/TicketRushModel/Scenario/Scenario.swift", "Sources/TicketRushFormat/Scenario/ScenarioSchema.swift"]
            .map { try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8) }
        // The quoted declarations and statements of the traced keys (`timeout`, `schedule`).
        let quotes = section.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            .filter { $0.count >= 24 && ($0.contains("imeout") || $0.contains("chedule")) }
        XCTAssertGreaterThanOrEqual(quotes.count, 6, "the section quotes fewer lines than it did: \(quotes)")
        for quote in quotes {
            XCTAssertTrue(code.contains { $0.contains(quote) }, "docs/architecture.md, \"Adding a key\", quotes code that is not in Scenario.swift or ScenarioSchema.swift: \(quote)")
        }
    }
}
