#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel

/// Reads scenario files: YAML to a node tree, checked against `ScenarioSchema` with every
/// problem located, then built into `Scenario`s. Never throws anything but diagnostics.
package struct ScenarioLoader {
    package init() {}

    /// Loads every scenario (one per YAML document) of the file at `path`.
    package func load(path: String) throws(DiagnosticList) -> [Scenario] {
        let data: Data
        switch InputLimits.read(path: path) {
        case .success(let read): data = read
        case .failure(let unreadable):
            throw DiagnosticList([Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), unreadable.why)])
        }
        return try load(data: data, path: path)
    }

    /// Loads scenarios from file contents; `path` is only used in messages.
    package func load(data: Data, path: String) throws(DiagnosticList) -> [Scenario] {
        let (scenarios, diagnostics) = check(data: data, path: path)
        if diagnostics.contains(where: { $0.severity == .error }) { throw DiagnosticList(diagnostics) }
        return scenarios
    }

    /// Checks a file and collects every problem rather than stopping at the first.
    package func check(data: Data, path: String) -> (scenarios: [Scenario], diagnostics: [Diagnostic]) {
        let (documents, diagnostics) = inspect(data: data, path: path)
        return (documents.map(\.scenario), diagnostics)
    }

    /// Like `check`, but keeps each scenario's normalised value and where its keys stand,
    /// for `validate` (warnings at the right line) and `show`.
    package func inspect(data: Data, path: String) -> (documents: [LoadedDocument], diagnostics: [Diagnostic]) {
        if data.count > InputLimits.maxBytes {
            return ([], [Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), "file is larger than \(InputLimits.maxBytes / 1024 / 1024) MiB, the most a scenario file may hold")])
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            return ([], [Diagnostic(at: SourceText.firstInvalidUTF8(data, path: path), "file is not valid UTF-8")])
        }
        if yaml.contains("\u{0}") {
            return ([], [Diagnostic(at: SourceText.location(of: "\u{0}", in: yaml, path: path), "file contains a NUL byte")])
        }
        let composed = YAMLComposer(path: path).compose(yaml)
        guard var documents = composed.documents else { return ([], composed.diagnostics) }
        documents = documents.filter { !($0.scalar != nil && $0.tagName == .null) }
        let bases = documents.filter(Self.isBaseDocument)
        documents = documents.filter { !Self.isBaseDocument($0) }
        if documents.isEmpty {
            let why = bases.isEmpty ? "empty scenario file: expected a mapping with at least name, tickets and buyers"
                : "file holds only base documents (every key starts with 'x-'), no scenario"
            return ([], composed.diagnostics + [Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), why)])
        }
        var loaded: [LoadedDocument] = []
        var diagnostics = composed.diagnostics
        var names: [String: SourceLocation] = [:]
        for node in documents {
            if let (at, why) = InputLimits.expansionProblem(node) {
                diagnostics.append(Diagnostic(at: SourceLocation(path: path, line: at.mark?.line ?? 1, column: at.mark?.column ?? 1), why))
                continue
            }
            // One scenario, or one per matrix cell (MatrixExpansion walks the schema).
            let (cells, found) = MatrixExpansion.scenarios(node, path: path)
            diagnostics += found.filter { !composed.masked.contains($0.location) }
            guard composed.diagnostics.isEmpty else { continue }
            for cell in cells {
                if let earlier = names[cell.scenario.name] {
                    diagnostics.append(Diagnostic(at: cell.nameAt, "duplicate scenario name '\(cell.scenario.name)' (first at \(earlier))"))
                    continue
                }
                names[cell.scenario.name] = cell.nameAt
                let document = LoadedDocument(scenario: cell.scenario, value: cell.value, locations: cell.locations)
                let bounds = ScenarioBounds.problems(document)
                diagnostics += bounds
                if bounds.isEmpty { loaded.append(document) }
            }
        }
        // Stable: findings at one place keep the order they were found in.
        diagnostics = diagnostics.enumerated().sorted {
            ($0.element.location.line, $0.element.location.column, $0.offset) < ($1.element.location.line, $1.element.location.column, $1.offset)
        }.map(\.element)
        return (loaded, diagnostics)
    }

    /// A document whose keys all start with `x-` only holds anchors for later documents.
    package static func isBaseDocument(_ node: Node) -> Bool {
        guard let mapping = node.mapping, mapping.count > 0 else { return false }
        return mapping.keys.allSatisfy { $0.scalar.map { ScenarioSchema.isExtensionKey($0.string) } ?? false }
    }

    package static func yamlDiagnostic(_ error: Error, path: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(path: path, line: mark.line, column: mark.column) }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let extra = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            if problem.hasPrefix("Maximum nesting level reached") {
                return Diagnostic(at: at(mark), "YAML nests deeper than 1000 levels, the most a scenario file may")
            }
            return Diagnostic(at: at(mark), "YAML syntax: \(problem)\(extra)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first of the keys; the author needs the repeat.
            let first = at(context.mark)
            let again = duplicates.first.flatMap { repeatOf(key: $0, after: context.mark, in: context.text, path: path) }
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(at: again ?? first, "duplicate key \(names) in one mapping (first at line \(first.line)); YAML allows each key once")
        case .reader(let problem, let offset, _, let yaml):
            return Diagnostic(at: offset.map { SourceText.location(scalarOffset: $0, in: yaml, path: path) } ?? SourceLocation(path: path, line: 1, column: 1), "YAML: \(problem)")
        default:
            return Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), "YAML: \(error)")
        }
    }

    /// Where `key` is written again in a block mapping: the next line after `mark` whose text at
    /// the same column starts with the key and a colon.
    package static func repeatOf(key: String, after mark: Mark, in text: String, path: String) -> SourceLocation? {
        repeatSpan(key: key, after: mark, in: text).map { SourceLocation(path: path, line: $0.line, column: $0.column) }
    }

    /// Line, column and written length of the repeated `key` (see `repeatOf`).
    package static func repeatSpan(key: String, after mark: Mark, in text: String) -> (line: Int, column: Int, length: Int)? {
        let lines = text.sourceLines
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        for index in mark.line..<lines.count {
            let line = Array(lines[index].unicodeScalars)
            let column = mark.column - 1
            guard line.count > column, line[..<column].allSatisfy({ $0 == " " || $0 == "-" }) else { continue }
            let rest = String(String.UnicodeScalarView(line[column...]))
            for spelled in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(spelled) {
                if rest.dropFirst(spelled.count).drop(while: { $0 == " " }).first == ":" {
                    return (index + 1, mark.column, spelled.unicodeScalars.count)
                }
            }
        }
        return nil
    }
}
