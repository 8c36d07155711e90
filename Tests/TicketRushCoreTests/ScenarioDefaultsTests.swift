import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// Every default is declared once, in the model (`LockConfig.defaultRetries`, …): a file
/// that omits a key loads to exactly the model's default, and the decoder that turns the
/// checked value tree into a `Scenario` never traps: a missing or mistyped key is a
/// located error.
final class ScenarioDefaultsTests: XCTestCase {
    static let minimal = "name: t\ntickets: 1\nbuyers: 2\n"

    static let rich = """
        name: rich
        description: every key
        tickets: 3
        buyers: {count: 4, name: "fan-{n}", wants: 2}
        delays: {search: 1ms, write: {uniform: [1ms, 2ms]}, truncate: 0, start: 0}
        time_scale: 0.5
        storage: {kind: json, path: data/db.json, write: atomic}
        lock: {mode: flock, scope: task, retries: 7}
        trials: {until: {rate_below: 1%, confidence: 99%}, max: 50}
        seed: 9
        timeout: 5s
        faults:
          - kill: {buyers: [2], at: lock.acquired, limit: 1}
          - stall: {probability: 0.5, at: purchase.read, for: 10ms}
        invariants: [no-oversell, conservation]
        expect: {no-oversell: hold}

        """

    func document(_ yaml: String, path: String = "d.yaml") throws -> LoadedDocument {
        let (documents, diagnostics) = ScenarioLoader().inspect(data: Data(yaml.utf8), path: path)
        XCTAssertFalse(diagnostics.contains { $0.severity == .error }, "\(diagnostics)")
        return try XCTUnwrap(documents.first)
    }

    func testAMinimalFileGetsEveryDefaultTheModelDeclares() throws {
        let s = try document(Self.minimal).scenario
        XCTAssertEqual(s.buyers.nameTemplate, BuyerGroup.defaultNameTemplate)
        XCTAssertEqual(s.buyers.wants, BuyerGroup.defaultWants)
        for delay in [s.delays.search, s.delays.write, s.delays.truncate, s.delays.start] {
            XCTAssertEqual(delay, Delays.defaultDelay)
        }
        XCTAssertEqual(s.timeScale, Scenario.defaultTimeScale)
        XCTAssertEqual(s.storage.kind, StorageConfig.defaultKind)
        XCTAssertEqual(s.storage.path, StorageConfig.defaultPath)
        XCTAssertEqual(s.storage.write, StorageConfig.defaultWrite)
        XCTAssertEqual(s.lock.mode, LockConfig.defaultMode)
        XCTAssertEqual(s.lock.scope, LockConfig.defaultScope)
        XCTAssertEqual(s.lock.retries, LockConfig.defaultRetries)
        XCTAssertEqual(s.trials, Scenario.defaultTrials)
        XCTAssertEqual(s.timeoutNs, Scenario.defaultTimeoutNs)
        XCTAssertEqual(s.invariants, Scenario.defaultInvariants.sorted())
        XCTAssertEqual(s.expect, Scenario.defaultExpect)
        XCTAssertEqual(s.faults, Scenario.defaultFaults)
        for invariant in Invariant.allCases { XCTAssertEqual(s.expectation(for: invariant), Expectation.defaultValue) }
        XCTAssertNil(s.description)
        XCTAssertNil(s.seed)
        XCTAssertNil(s.stopRule)
        // And the model's own initialisers default to the same: nothing else differs.
        XCTAssertEqual(s, Scenario(name: "t", tickets: 1, buyers: BuyerGroup(count: 2), origin: s.origin))
    }

    func testAStoppingRuleGetsItsDefaults() throws {
        let s = try document("name: t\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: 1%}}\n").scenario
        XCTAssertEqual(s.stopRule, StopRule(rateBelow: 0.01))
        XCTAssertEqual(s.stopRule?.confidence, StopRule.defaultConfidence)
        XCTAssertEqual(s.trials, StopRule.defaultMaxTrials)
        XCTAssertEqual(try document("name: t\ntickets: 1\nbuyers: 2\ntrials: {}\n").scenario.trials, Scenario.defaultTrials)
    }

    /// Every key the schema fills in or requires is read by the decoder: dropping it from the
    /// checked tree is a located error naming it. Keys without a default may go.
    func testBuildNeverTrapsOnAMissingKey() throws {
        let loaded = try document(Self.rich, path: "rich.yaml")
        let decoder = { (value: ConfigValue) in ConfigDecoder(value, locations: loaded.locations, origin: loaded.location(of: "")) }
        XCTAssertEqual(try ScenarioSchema.build(decoder(loaded.value)), loaded.scenario)
        let fields = Dictionary(ReferenceDocs.fields().map { ($0.path, $0.field) }, uniquingKeysWith: { a, _ in a })
        let paths = Self.keyPaths(loaded.value)
        XCTAssertTrue(paths.contains("faults[1].stall.for"))
        XCTAssertGreaterThan(paths.count, 30)
        for path in paths {
            let reference = path.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "[]", options: .regularExpression)
            // nil: an entry of a keyed mapping (`expect.no-oversell`), which may go.
            let field = fields[reference]
            let needed = field.map { $0.required || $0.defaultValue != nil } ?? false
            do {
                _ = try ScenarioSchema.build(decoder(Self.removing(path, from: loaded.value)))
                XCTAssertFalse(needed, "dropping '\(path)' (required or defaulted) built a scenario")
            } catch {
                XCTAssertEqual(error.severity, .error)
                XCTAssertEqual(error.location.path, "rich.yaml", "\(path): \(error)")
                XCTAssertTrue(loaded.locations.values.contains(error.location), "\(path): \(error) is not at a written key")
                if needed, !path.hasPrefix("trials") {
                    XCTAssertTrue(error.message.contains("'\(path)"), "dropping '\(path)': \(error.message)")
                }
            }
        }
    }

    /// A value of the wrong kind (what a schema change could leave behind) is a located error too.
    func testBuildNeverTrapsOnAMistypedValue() throws {
        let loaded = try document(Self.rich, path: "rich.yaml")
        for path in Self.keyPaths(loaded.value) {
            // A mapping or list where a scalar belongs, a number where a mapping or list belongs.
            let current = Self.value(at: path, in: loaded.value)
            let wrong: ConfigValue
            switch current {
            case .object?, .list?: wrong = .int(1)
            default: wrong = .object([:])
            }
            let value = Self.replacing(path, in: loaded.value, with: wrong)
            XCTAssertThrowsError(try ScenarioSchema.build(ConfigDecoder(value, locations: loaded.locations, origin: loaded.location(of: ""))), path) { error in
                guard let d = error as? Diagnostic else { return XCTFail("\(path): \(error)") }
                XCTAssertTrue(loaded.locations.values.contains(d.location), "\(path): \(d)")
            }
        }
        let empty = ConfigDecoder(.object([:]), locations: [:], origin: SourceLocation(path: "e.yaml", line: 1, column: 1))
        XCTAssertThrowsError(try ScenarioSchema.build(empty)) { error in
            XCTAssertEqual((error as? Diagnostic)?.description, "e.yaml:1:1: error: missing required key 'trials'")
        }
    }

    func testFaultsReadBackFromTheirValues() throws {
        let faults = try document(Self.rich).scenario.faults
        let value = ConfigValue.object(["faults": .list(faults.map(FaultSchema.value))])
        XCTAssertEqual(try FaultSchema.build(ConfigDecoder(value, locations: [:], origin: SourceLocation(path: "f", line: 1, column: 1))), faults)
    }

    /// Every key path of the mapping keys in `value` (`lock.mode`, `faults[0].kill.at`).
    static func keyPaths(_ value: ConfigValue, _ prefix: String = "") -> [String] {
        switch value {
        case .object(let fields):
            return fields.keys.sorted().flatMap { key -> [String] in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                return [path] + keyPaths(fields[key] ?? .object([:]), path)
            }
        case .list(let items):
            return items.enumerated().flatMap { keyPaths($1, "\(prefix)[\($0)]") }
        default:
            return []
        }
    }

    static func value(at path: String, in value: ConfigValue) -> ConfigValue? {
        var found: ConfigValue?
        _ = edit(path, value, nil) { found = $0 }
        return found
    }

    static func removing(_ path: String, from value: ConfigValue) -> ConfigValue { edit(path, value, nil) }

    static func replacing(_ path: String, in value: ConfigValue, with new: ConfigValue) -> ConfigValue { edit(path, value, new) }

    /// `value` with the key at `path` set to `new` (nil removes it).
    private static func edit(_ path: String, _ value: ConfigValue, _ new: ConfigValue?, seen: (ConfigValue) -> Void = { _ in }) -> ConfigValue {
        var steps: [Any] = []
        for part in path.split(separator: ".") {
            let pieces = part.split(separator: "[")
            steps.append(String(pieces[0]))
            for index in pieces.dropFirst() { steps.append(Int(index.dropLast()) ?? 0) }
        }
        func apply(_ value: ConfigValue, _ steps: ArraySlice<Any>) -> ConfigValue? {
            guard let step = steps.first else { seen(value); return new }
            switch (value, step) {
            case (.object(var fields), let key as String):
                fields[key] = fields[key].flatMap { apply($0, steps.dropFirst()) }
                return .object(fields)
            case (.list(var items), let index as Int) where items.indices.contains(index):
                if let changed = apply(items[index], steps.dropFirst()) { items[index] = changed }
                return .list(items)
            default:
                return value
            }
        }
        return apply(value, steps[...]) ?? value
    }
}
