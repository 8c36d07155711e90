import Foundation
import TicketRushTestSupport
import XCTest
import TicketRushFormat
import TicketRushRunner

/// The shipped JSON Schema is the generated one, and a real validator (Python's jsonschema)
/// agrees with the loader: shipped scenarios pass, invalid fixtures fail both.
final class JSONSchemaTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemaFile = root.appendingPathComponent("schema/scenario.schema.json")

    func testCommittedSchemaIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        XCTAssertEqual(committed, JSONSchemaGenerator.text(),
                       "schema/scenario.schema.json is stale: run `swift run ticketrush schema > schema/scenario.schema.json`")
    }

    /// Shipped scenarios tell editors where the schema is, relative to their folder.
    func testShippedScenariosNameTheSchema() throws {
        let folder = Self.root.appendingPathComponent("scenarios")
        let files = (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let depth = file.split(separator: "/").count  // scenarios/a.yaml → 1 folder up to the root
            let expected = "# yaml-language-server: $schema=" + String(repeating: "../", count: depth) + "schema/scenario.schema.json"
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(text.split(separator: "\n", maxSplits: 1).first.map(String.init), expected, "first line of scenarios/\(file)")
        }
    }

    func testEveryKeyHasADescription() {
        func check(_ shape: Shape, _ path: String) {
            guard case .object(let fields, _) = shape else { return }
            for field in fields {
                XCTAssertFalse(field.doc.isEmpty, "\(path)\(field.name)")
                check(field.shape, "\(path)\(field.name).")
            }
        }
        check(ScenarioSchema.root, "")
    }

    /// Invalid for both the loader and the schema; one problem each.
    static let invalid: [String: String] = [
        "unknown-key": "name: t\ntickets: 1\nbuyers: 2\nlock_mode: flock\n",
        "unknown-nested-key": "name: t\ntickets: 1\nbuyers: {count: 2, wnats: 1}\n",
        "missing-name": "tickets: 1\nbuyers: 2\n",
        "missing-buyers": "name: t\ntickets: 1\n",
        "wrong-type-tickets": "name: t\ntickets: many\nbuyers: 2\n",
        "wrong-type-name": "name: 2024\ntickets: 1\nbuyers: 2\n",
        "negative-tickets": "name: t\ntickets: -1\nbuyers: 2\n",
        "zero-buyers": "name: t\ntickets: 1\nbuyers: 0\n",
        "too-many-buyers": "name: t\ntickets: 1\nbuyers: 100001\n",
        "zero-trials": "name: t\ntickets: 1\nbuyers: 2\ntrials: 0\n",
        "zero-time-scale": "name: t\ntickets: 1\nbuyers: 2\ntime_scale: 0\n",
        "bad-lock-mode": "name: t\ntickets: 1\nbuyers: 2\nlock: not-a-lock\n",
        "bad-lock-scope": "name: t\ntickets: 1\nbuyers: 2\nlock: {mode: flock, scope: everything}\n",
        "bad-write-mode": "name: t\ntickets: 1\nbuyers: 2\nstorage: {write: fsync}\n",
        "absolute-path": "name: t\ntickets: 1\nbuyers: 2\nstorage: {path: /tmp/db.json}\n",
        "dotdot-path": "name: t\ntickets: 1\nbuyers: 2\nstorage: {path: a/../../db.json}\n",
        "home-path": "name: t\ntickets: 1\nbuyers: 2\nstorage: {path: ~/db.json}\n",
        "folder-path": "name: t\ntickets: 1\nbuyers: 2\nstorage: {path: data/}\n",
        "bad-duration": "name: t\ntickets: 1\nbuyers: 2\ndelays: {search: 10 parsecs}\n",
        "negative-duration": "name: t\ntickets: 1\nbuyers: 2\ndelays: {write: -1}\n",
        "uniform-one-value": "name: t\ntickets: 1\nbuyers: 2\ndelays: {write: {uniform: [1s]}}\n",
        "unknown-delay-form": "name: t\ntickets: 1\nbuyers: 2\ndelays: {write: {gauss: 1s}}\n",
        "unknown-invariant": "name: t\ntickets: 1\nbuyers: 2\ninvariants: [no-oversell, no-overselling]\n",
        "repeated-invariant": "name: t\ntickets: 1\nbuyers: 2\ninvariants: [no-oversell, no-oversell]\n",
        "bad-expectation": "name: t\ntickets: 1\nbuyers: 2\nexpect: {no-oversell: maybe}\n",
        "unknown-expect-key": "name: t\ntickets: 1\nbuyers: 2\nexpect: {lost-updates: violated}\n",
        "not-a-mapping": "- name: t\n",
        "x-key-nested": "name: t\ntickets: 1\nbuyers: {count: 2, x-note: hi}\n",
    ]

    /// Valid for both: the forms an author may write.
    static let valid: [String: String] = [
        "shorthands": "name: t\ntickets: 1\nbuyers: 2\nlock: flock\n",
        "full": "name: t\ndescription: d\ntickets: 0\nbuyers: {count: 2, name: 'b{n}', wants: 3}\ndelays: {search: 1.5, write: 250ms, truncate: '0', start: {uniform: [0, 2 ms]}}\ntime_scale: 0.5\nstorage: {kind: json, path: data/db.json, write: atomic}\nlock: {mode: flock, scope: task}\ntrials: 3\nseed: 0\ntimeout: 2m\ninvariants: [no-oversell]\nexpect: {no-oversell: hold}\n",
        "family": "x-base: &base\n  tickets: 1\n  buyers: 3\n---\n<<: *base\nname: a\n---\n<<: *base\nname: b\nlock: flock\n",
        "in-document-anchor": "x-slow: &slow {search: 1s}\nname: t\ntickets: 1\nbuyers: 2\ndelays:\n  <<: *slow\n  write: 2s\n",
    ]

    func testPythonJSONSchemaAgreesWithTheLoader() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String: Bool] = [:]  // path → should be valid
        for (name, text) in Self.invalid {
            let path = dir.appendingPathComponent("invalid-\(name).yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            files[path] = false
            XCTAssertThrowsError(try ScenarioLoader().load(path: path), "loader accepts invalid fixture \(name)")
        }
        for (name, text) in Self.valid {
            let path = dir.appendingPathComponent("valid-\(name).yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            files[path] = true
            XCTAssertNoThrow(try ScenarioLoader().load(path: path), "loader rejects valid fixture \(name)")
        }
        let shipped = Self.root.appendingPathComponent("scenarios")
        for file in (FileManager.default.enumerator(atPath: shipped.path)?.compactMap { $0 as? String } ?? []) where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
            files[shipped.appendingPathComponent(file).path] = true
        }
        let verdicts = try Self.pythonValidate(Array(files.keys))
        for (path, shouldBeValid) in files.sorted(by: { $0.key < $1.key }) {
            guard let problems = verdicts[path] else { XCTFail("no verdict for \(path)"); continue }
            if shouldBeValid {
                XCTAssertEqual(problems, [], "schema rejects \(path)")
            } else {
                XCTAssertFalse(problems.isEmpty, "schema accepts invalid \(path)")
            }
        }
    }

    /// Runs Python's jsonschema (draft 2020-12) on YAML files; file → problems.
    static func pythonValidate(_ files: [String]) throws -> [String: [String]] {
        let script = """
            import json, sys
            try:
                import yaml, jsonschema
            except ImportError as e:
                print(json.dumps({"__missing__": [str(e) + ": pip install pyyaml jsonschema"]})); sys.exit(0)

            class Loader(yaml.SafeLoader):
                # ticketrush (Yams) keeps anchors from one document to the next in a file,
                # so a base document can hold them; PyYAML forgets them per document.
                def compose_document(self):
                    self.get_event()
                    node = self.compose_node(None, None)
                    self.get_event()
                    return node

            schema = json.load(open(sys.argv[1], encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            out = {}
            for path in sys.argv[2:]:
                problems = []
                try:
                    with open(path, encoding="utf-8") as f:
                        for doc in yaml.load_all(f, Loader=Loader):
                            if doc is None: continue
                            problems += [e.message for e in validator.iter_errors(doc)]
                except yaml.YAMLError as e:
                    problems.append("YAML: " + str(e))
                out[path] = problems
            print(json.dumps(out))
            """
        let python = try runTool("/usr/bin/env", ["python3", "-c", script, schemaFile.path] + files, timeout: 300)
        let data = Data(python.stdout.utf8)
        guard python.status == 0,
              let result = try JSONSerialization.jsonObject(with: data) as? [String: [String]] else {
            throw NSError(domain: "python3", code: Int(python.status),
                          userInfo: [NSLocalizedDescriptionKey: "python3 jsonschema check failed: \(python.stdout)\(python.stderr)"])
        }
        if let missing = result["__missing__"] {
            throw NSError(domain: "python3", code: 1, userInfo: [NSLocalizedDescriptionKey: missing.joined()])
        }
        return result
    }
}
