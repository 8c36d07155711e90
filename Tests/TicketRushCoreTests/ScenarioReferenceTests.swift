import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// docs/scenarios.md documents every key the loader accepts (walked from `ScenarioSchema`,
/// so keys added later are demanded too), every allowed word, every lint rule and template.
final class ScenarioReferenceTests: XCTestCase {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/scenarios.md")

    /// Every key path of the format (`lock.scope`) and every word a choice allows.
    static func keyPaths(_ shape: Shape, _ prefix: String = "") -> (keys: [String], words: [String]) {
        var keys: [String] = [], words: [String] = []
        switch shape {
        case .object(let fields, _):
            for field in fields {
                let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
                keys.append(path)
                let inner = keyPaths(field.shape, path)
                keys += inner.keys
                words += inner.words
            }
        case .choice(let allowed):
            words += allowed
        case .uniqueList(let item):
            // Keys of list items read `faults[].kind`.
            let inner = keyPaths(item, "\(prefix)[]")
            keys += inner.keys
            words += inner.words
        case .keyed(let allowedKeys, let value):
            words += allowedKeys
            for key in allowedKeys {
                let inner = keyPaths(value, "\(prefix).\(key)")
                keys += inner.keys
                words += inner.words
            }
        default:
            break
        }
        return (keys, words)
    }

    func testEveryKeyHasASection() throws {
        let text = try String(contentsOf: Self.reference, encoding: .utf8)
        let (keys, _) = Self.keyPaths(ScenarioSchema.root)
        XCTAssertTrue(keys.contains("lock.scope"), "the walk finds nested keys")
        // A heading may name several keys that share a meaning: ### `faults[].kill.at`, `faults[].stall.at`
        let headings = text.split(separator: "\n").filter { $0.hasPrefix("### ") }
        // Swept keys and cell conditions mirror the scenario's own keys: the sections of
        // `matrix` and `expect_by_cell[].where` cover them.
        let mirrored = ["matrix.", "expect_by_cell[].where."]
        for key in keys where !mirrored.contains(where: { key.hasPrefix($0) }) {
            XCTAssertTrue(headings.contains { $0.contains("`\(key)`") }, "docs/scenarios.md has no section '### `\(key)`'")
        }
    }

    /// Each key's "type, range, default" paragraph (right under its heading) is the one
    /// `ReferenceDocs` generates from the schema, defaults included. To regenerate:
    /// `UPDATE_DOCS=1 swift test --filter ScenarioReferenceTests/testEveryKeyLineIsGenerated`.
    func testEveryKeyLineIsGenerated() throws {
        let text = try String(contentsOf: Self.reference, encoding: .utf8)
        if ProcessInfo.processInfo.environment["UPDATE_DOCS"] == "1" {
            try ReferenceDocs.update(text).write(to: Self.reference, atomically: true, encoding: .utf8)
            return
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var documented = Set<String>()
        for section in ReferenceDocs.sections(lines) {
            guard let block = ReferenceDocs.block(for: section.keys) else { continue }
            XCTAssertEqual(Array(lines[section.paragraph]), block,
                           "docs/scenarios.md:\(section.heading + 1): the line under \(lines[section.heading]) is stale; regenerate: UPDATE_DOCS=1 swift test --filter ScenarioReferenceTests")
            documented.formUnion(section.keys)
        }
        // Every key of the format has its generated line (mirrored matrix keys excepted, as above).
        for (path, _) in ReferenceDocs.fields() where !["matrix.", "expect_by_cell[].where."].contains(where: { path.hasPrefix($0) }) {
            XCTAssertTrue(documented.contains(path), "docs/scenarios.md has no generated line for `\(path)`")
        }
        XCTAssertTrue(ReferenceDocs.update(text) == text, "docs/scenarios.md: regenerating changes it (UPDATE_DOCS=1 swift test --filter ScenarioReferenceTests)")
        // The one default that is not a field's (it applies only with `until`) is named in prose.
        XCTAssertTrue(text.contains("trials (default \(StopRule.defaultMaxTrials))"), "docs/scenarios.md: trials.max's default")
    }

    func testGeneratedLinesReadAsTheSchemaSays() {
        let all = Dictionary(ReferenceDocs.fields().map { ($0.path, $0.field) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(all["lock.retries"].map(ReferenceDocs.line), "integer 0 … 1000000; default `\(LockConfig.defaultRetries)`.")
        XCTAssertEqual(all["timeout"].map(ReferenceDocs.line), "duration; default `1m`.")
        XCTAssertEqual(all["name"].map(ReferenceDocs.line), "string, not empty; **required**.")
        XCTAssertEqual(all["seed"].map(ReferenceDocs.line), "integer ≥ 0; optional.")
        XCTAssertEqual(all["storage"].map(ReferenceDocs.line)?.hasSuffix("default `{kind: json, write: in-place}`."), true)
        XCTAssertEqual(all["trials"].map(ReferenceDocs.line)?.hasSuffix("; default `1`."), true)
    }

    func testEveryAllowedWordIsDocumented() throws {
        let text = try String(contentsOf: Self.reference, encoding: .utf8)
        for word in Set(Self.keyPaths(ScenarioSchema.root).words) {
            XCTAssertTrue(text.contains("`\(word)`"), "docs/scenarios.md never mentions the value `\(word)`")
        }
    }

    func testEveryLintRuleAndTemplateIsDocumented() throws {
        let text = try String(contentsOf: Self.reference, encoding: .utf8)
        for rule in ScenarioLint.rules {
            XCTAssertTrue(text.contains("| `\(rule.id)` |"), "docs/scenarios.md has no row for rule \(rule.id)")
        }
        for template in ScenarioTemplate.allCases {
            XCTAssertTrue(text.contains(template.rawValue), "docs/scenarios.md does not name template \(template.rawValue)")
        }
    }

    /// The examples in the reference load (ignoring warnings), one scenario each or a family.
    func testYAMLExamplesThatAreWholeScenariosLoad() throws {
        let text = try String(contentsOf: Self.reference, encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let whole = blocks.filter { $0.contains("name:") && $0.contains("tickets:") || $0.hasPrefix("x-base") }
        XCTAssertGreaterThanOrEqual(whole.count, 2)
        for block in whole {
            XCTAssertNoThrow(try ScenarioLoader().load(data: Data(block.utf8), path: "docs/scenarios.md"), block)
        }
    }
}
