import Foundation
import Yams

/// Reads scenario files: YAML to a node tree, checked against `ScenarioSchema` with every
/// problem located, then built into `Scenario`s. Never throws anything but diagnostics.
public struct ScenarioLoader {
    public init() {}

    /// Loads every scenario (one per YAML document) of the file at `path`.
    public func load(path: String) throws(DiagnosticList) -> [Scenario] {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let why = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
                ? (isDir.boolValue ? "is a folder, not a scenario file" : "cannot be read") : "no such file"
            throw DiagnosticList([Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), why)])
        }
        return try load(data: data, path: path)
    }

    /// Loads scenarios from file contents; `path` is only used in messages.
    public func load(data: Data, path: String) throws(DiagnosticList) -> [Scenario] {
        let (scenarios, diagnostics) = check(data: data, path: path)
        if diagnostics.contains(where: { $0.severity == .error }) { throw DiagnosticList(diagnostics) }
        return scenarios
    }

    /// Checks a file and collects every problem rather than stopping at the first.
    public func check(data: Data, path: String) -> (scenarios: [Scenario], diagnostics: [Diagnostic]) {
        guard let yaml = String(data: data, encoding: .utf8) else {
            return ([], [Diagnostic(at: Self.firstInvalidUTF8(data, path: path), "file is not valid UTF-8")])
        }
        if yaml.contains("\u{0}") {
            return ([], [Diagnostic(at: Self.location(of: "\u{0}", in: yaml, path: path), "file contains a NUL byte")])
        }
        var documents: [Node] = []
        do {
            var sequence = try Yams.compose_all(yaml: yaml)
            while let node = sequence.next() { documents.append(node) }
            if let error = sequence.error { throw error }
        } catch {
            return ([], [Self.yamlDiagnostic(error, path: path)])
        }
        documents = documents.filter { !($0.scalar != nil && $0.tagName == .null) }
        if documents.isEmpty {
            return ([], [Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), "empty scenario file: expected a mapping with at least name, tickets and buyers")])
        }
        var scenarios: [Scenario] = []
        var diagnostics: [Diagnostic] = []
        var names: [String: SourceLocation] = [:]
        for node in documents {
            // One scenario, or one per matrix cell (MatrixExpansion walks the schema).
            let (loaded, found) = MatrixExpansion.scenarios(node, path: path)
            diagnostics += found
            for (scenario, nameAt) in loaded.map({ ($0.scenario, $0.nameAt) }) {
                if let earlier = names[scenario.name] {
                    diagnostics.append(Diagnostic(at: nameAt, "duplicate scenario name '\(scenario.name)' (first at \(earlier))"))
                    continue
                }
                names[scenario.name] = nameAt
                scenarios.append(scenario)
            }
        }
        return (scenarios, diagnostics)
    }

    /// Builds the model from a value the walker accepted (every default present).
    static func build(_ v: ConfigValue, origin: SourceLocation) -> Scenario {
        let buyers = v["buyers"]!, delays = v["delays"]!, storage = v["storage"]!, lock = v["lock"]!
        var expect: [Invariant: Expectation] = [:]
        if case .object(let fields)? = v["expect"] {
            for (key, value) in fields {
                expect[Invariant(rawValue: key)!] = Expectation(rawValue: value.text!)!
            }
        }
        var invariants: [Invariant] = []
        if case .list(let items)? = v["invariants"] {
            invariants = items.compactMap { $0.text.flatMap(Invariant.init(rawValue:)) }.sorted()
        }
        return Scenario(
            name: v["name"]!.text!,
            description: v["description"]?.text,
            tickets: v["tickets"]!.int!,
            buyers: BuyerGroup(count: buyers["count"]!.int!, nameTemplate: buyers["name"]!.text!, wants: buyers["wants"]!.int!),
            delays: Delays(search: delays["search"]!.delay!, write: delays["write"]!.delay!,
                           truncate: delays["truncate"]!.delay!, start: delays["start"]!.delay!),
            timeScale: v["time_scale"]!.number!,
            storage: StorageConfig(kind: StorageKind(rawValue: storage["kind"]!.text!)!, path: storage["path"]!.text!,
                                   write: WriteMode(rawValue: storage["write"]!.text!)!),
            lock: LockConfig(mode: LockMode(rawValue: lock["mode"]!.text!)!, scope: LockScope(rawValue: lock["scope"]!.text!)!),
            trials: v["trials"]!.int!,
            seed: v["seed"]?.int.map { UInt64($0) },
            timeoutNs: { if case .duration(let ns)? = v["timeout"] { return ns } else { return 60_000_000_000 } }(),
            invariants: invariants,
            expect: expect,
            origin: origin)
    }

    static func yamlDiagnostic(_ error: Error, path: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(path: path, line: mark.line, column: mark.column) }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let extra = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            return Diagnostic(at: at(mark), "YAML syntax: \(problem)\(extra)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(at: at(context.mark), "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
        case .reader(let problem, let offset, _, let yaml):
            return Diagnostic(at: offset.map { location(ofOffset: $0, in: yaml, path: path) } ?? SourceLocation(path: path, line: 1, column: 1), "YAML: \(problem)")
        default:
            return Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), "YAML: \(error)")
        }
    }

    /// Line and column of the first invalid UTF-8 byte.
    static func firstInvalidUTF8(_ data: Data, path: String) -> SourceLocation {
        var line = 1, column = 1
        var iterator = data.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s):
                if s == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput, .error:
                break loop
            }
        }
        return SourceLocation(path: path, line: line, column: column)
    }

    static func location(of needle: Character, in text: String, path: String) -> SourceLocation {
        var line = 1, column = 1
        for ch in text {
            if ch == needle { break }
            if ch == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(path: path, line: line, column: column)
    }

    static func location(ofOffset offset: Int, in text: String, path: String) -> SourceLocation {
        var line = 1, column = 1
        for (i, s) in text.unicodeScalars.enumerated() {
            if i >= offset { break }
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(path: path, line: line, column: column)
    }
}
