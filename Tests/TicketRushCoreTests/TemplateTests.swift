import Foundation
import XCTest
import TicketRushFormat

/// `ticketrush new` templates load and validate without a single finding.
final class TemplateTests: XCTestCase {
    func testEveryTemplateLoadsWithoutWarnings() throws {
        for template in ScenarioTemplate.allCases {
            let text = template.text(name: "my \(template.rawValue)", schemaPath: "../schema/scenario.schema.json")
            XCTAssertTrue(text.hasPrefix("# yaml-language-server: $schema=../schema/scenario.schema.json\n"))
            let (documents, errors) = ScenarioLoader().inspect(data: Data(text.utf8), path: "\(template.rawValue).yaml")
            XCTAssertEqual(errors, [], template.rawValue)
            XCTAssertEqual(documents.map(\.scenario.name), ["my \(template.rawValue)"])
            XCTAssertEqual(documents.flatMap(ScenarioLint.warnings), [], template.rawValue)
        }
    }

    func testAwkwardNamesAreQuoted() throws {
        for name in ["2024", "yes", "null", "a: b", "#hash", "路人", "it's \"quoted\"", "- dash", "1e5", "true"] {
            let text = ScenarioTemplate.seedMutex.text(name: name)
            let scenarios = try ScenarioLoader().load(data: Data(text.utf8), path: "t.yaml")
            XCTAssertEqual(scenarios.map(\.name), [name])
        }
    }
}
