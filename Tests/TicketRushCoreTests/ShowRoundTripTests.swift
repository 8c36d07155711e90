import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// `ticketrush show` prints what loads back to the very same scenarios.
final class ShowRoundTripTests: XCTestCase {
    func roundTrip(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (documents, errors) = ScenarioLoader().inspect(data: Data(text.utf8), path: "in.yaml")
        XCTAssertEqual(errors, [], file: file, line: line)
        let shown = try ScenarioYAML.text(documents)
        let again = try ScenarioLoader().load(data: Data(shown.utf8), path: "out.yaml")
        XCTAssertEqual(again.map(\.withoutOrigin), documents.map(\.scenario.withoutOrigin), shown, file: file, line: line)
        return shown
    }

    func testShippedScenariosAndTemplates() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios")
        let files = (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            _ = try roundTrip(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8))
        }
        for template in ScenarioTemplate.allCases { _ = try roundTrip(template.text(name: template.rawValue)) }
    }

    func testDefaultsFilledAndDurationsNormalised() throws {
        let shown = try roundTrip("""
            name: "2024"
            description: "yes"
            tickets: 3
            buyers: 4
            delays: {search: 0.25, write: 1500ms, start: {uniform: ["0", 2000us]}, truncate: {uniform: [1s, 1s]}}
            time_scale: 2
            timeout: 90s
            ---
            name: other
            tickets: 0
            buyers: {count: 1, name: "{n}: x", wants: 2}
            seed: 9
            expect: {no-undersell: hold}
            """)
        XCTAssertEqual(shown, """
            name: "2024"
            description: "yes"
            tickets: 3
            buyers:
              count: 4
              name: buyer-{n}
              wants: 1
            delays:
              search: 250ms
              write: 1500ms
              truncate: 1s
              start: {uniform: [0, 2ms]}
            time_scale: 2
            storage:
              kind: json
              path: db.json
              write: in-place
            lock:
              mode: none
              scope: purchase
              retries: 100
            trials: 1
            timeout: 90s
            faults: []
            invariants: [no-oversell, conservation, one-outcome, no-torn-read, all-finished, no-undersell, no-deadlock]
            expect: {}
            schedule:
              strategy: timing
              depth: 2
              shrink: 10s
            thresholds: {}
            # seed: not fixed: every run draws a fresh random seed and records it in the report
            ---
            name: other
            tickets: 0
            buyers:
              count: 1
              name: '{n}: x'
              wants: 2
            delays:
              search: 0
              write: 0
              truncate: 0
              start: 0
            time_scale: 1
            storage:
              kind: json
              path: db.json
              write: in-place
            lock:
              mode: none
              scope: purchase
              retries: 100
            trials: 1
            seed: 9
            timeout: 1m
            faults: []
            invariants: [no-oversell, conservation, one-outcome, no-torn-read, all-finished, no-undersell, no-deadlock]
            expect:
              no-undersell: hold
            schedule:
              strategy: timing
              depth: 2
              shrink: 10s
            thresholds: {}

            """)
    }
}

extension Scenario {
    /// Where it came from, and which sweep cell it was: `show` prints a cell as a
    /// standalone scenario with the cell's name, so only those differ.
    var withoutOrigin: Scenario {
        var copy = self
        copy.origin = nil
        copy.cell = nil
        return copy
    }
}
