import TicketRushModel

/// Turns one YAML document into the scenarios it stands for: itself, or one per cell of
/// its `matrix`. Cells are made on the node tree before the schema walk: each cell's
/// document is the original with the matrix value's own node put at the key path, so a
/// problem with that value is reported at the list item, like any other value.
package enum MatrixExpansion {
    /// A scenario and where its name stands, for duplicate-name messages.
    package struct Loaded {
        package var scenario: Scenario
        package var nameAt: SourceLocation
        /// The walked value and where its keys stand, for lint and `show`.
        package var value: ConfigValue
        package var locations: [String: SourceLocation]
    }

    /// Most cells one matrix may expand to: beyond it a typo, not an experiment.
    package static let maxCells = 10_000

    package static func scenarios(_ document: Node, path: String) -> ([Loaded], [Diagnostic]) {
        guard let matrixNode = document.mapping?.first(where: { $0.key.scalar?.string == "matrix" })?.value else {
            return plain(document, path: path)
        }
        // The matrix alone first: its values are checked once, at their list items.
        var walker = SchemaWalker(path: path)
        _ = walker.walk(matrixNode, SweepSchema.matrix(sweeping: ScenarioSchema.scenarioFields), keyPath: "matrix")
        var diagnostics = walker.diagnostics
        var axes: [(path: String, nodes: [Node])] = []
        for (key, value) in matrixNode.mapping ?? Node.Mapping([]) {
            guard let keyPath = key.scalar?.string, let list = value.sequence else { continue }
            if list.isEmpty { diagnostics.append(Diagnostic(at: at(value, path), "'matrix.\(keyPath)' must list at least one value")) }
            axes.append((keyPath, Array(list)))
        }
        if diagnostics.isEmpty && axes.isEmpty {
            diagnostics.append(Diagnostic(at: at(matrixNode, path), "'matrix' must map at least one key path to a list of values"))
        }
        let count = axes.reduce(1) { $0.multipliedReportingOverflow(by: max(1, $1.nodes.count)).partialValue }
        if count > maxCells {
            diagnostics.append(Diagnostic(at: at(matrixNode, path), "'matrix' expands to \(count) cells; at most \(maxCells) are allowed"))
        }
        guard diagnostics.isEmpty else { return ([], diagnostics) }

        var loaded: [Loaded] = []
        // Each problem once, with the cells it was found in (a cell's own value names them).
        var found: [(diagnostic: Diagnostic, cells: [String])] = []
        var foundIndex: [String: Int] = [:]
        let baseName = document.mapping?.first(where: { $0.key.scalar?.string == "name" })?.value.scalar?.string ?? "?"
        let choices = crossProduct(axes.map(\.nodes.count))
        for (index, choice) in choices.enumerated() {
            var cellDocument = document
            for (axis, pick) in zip(axes, choice) {
                cellDocument = substitute(cellDocument, ArraySlice(axis.path.split(separator: ".").map(String.init)),
                                          with: axis.nodes[pick], objectPath: "")
            }
            var cellWalker = SchemaWalker(path: path)
            let value = cellWalker.walk(cellDocument, ScenarioSchema.root, keyPath: "")
            cellWalker.crossCheck(value)
            var cellFound = cellWalker.diagnostics
            let swept = axes.map(\.path)
            let walked = value ?? cellWalker.partials[""]
            let cellName = "\(baseName)[" + zip(axes, choice).map { axis, pick in
                "\(axis.path)=\(walked.flatMap { cellValue($0, axis.path) }.map { text($0) } ?? axis.nodes[pick].scalar?.string ?? "?")"
            }.joined(separator: ",") + "]"
            // The sweep keys are the same in every cell: checked once, for the whole document.
            var documentFound: [Diagnostic] = []
            if index == 0, let walked { documentFound = SweepSchema.check(walked, swept: swept, locations: cellWalker.locations, path: path) }
            var built: Loaded?
            if !cellFound.contains(where: { $0.severity == .error }) && documentFound.isEmpty, let value {
                let parameters = swept.map { SweepCell.Parameter(path: $0, value: text(cellValue(value, $0))) }
                let expect = cellExpectations(value, parameters: swept.map { ($0, cellValue(value, $0)) })
                var fields = objectFields(value)
                fields["expect"] = .object(expect)
                built = finish(.object(fields), walker: cellWalker, path: path, diagnostics: &cellFound)
                if var b = built {
                    let cell = SweepCell(baseName: b.scenario.name, parameters: parameters, index: index)
                    b.scenario.cell = cell
                    b.scenario.name = cell.name
                    built = b
                }
            }
            for d in documentFound { diagnostics.append(d) }
            for d in cellFound {
                if let i = foundIndex[d.description] {
                    found[i].cells.append(cellName)
                } else {
                    foundIndex[d.description] = found.count
                    found.append((d, [cellName]))
                }
            }
            if let built, !cellFound.contains(where: { $0.severity == .error }) { loaded.append(built) }
        }
        for (d, cells) in found {
            diagnostics.append(cells.count == choices.count ? d : named(d, cells: cells))
        }
        return diagnostics.contains(where: { $0.severity == .error }) ? ([], diagnostics) : (loaded, diagnostics)
    }

    /// A problem found in cells says which: `… (in cell s[buyers.count=5])`; `total` is how
    /// many cells the sweep has, when known.
    package static func named(_ diagnostic: Diagnostic, cells: [String], of total: Int? = nil) -> Diagnostic {
        var d = diagnostic
        d.message += " (\(cellList(cells, of: total)))"
        return d
    }

    /// `in cell A`, `in 3 cells: A, B, C`, `in all 4 cells: …`; past eight names, `and N more`.
    package static func cellList(_ cells: [String], of total: Int? = nil) -> String {
        guard cells.count > 1 else { return "in cell \(cells.first ?? "?")" }
        let shown = cells.prefix(8).joined(separator: ", ")
        return "in \(cells.count == total ? "all " : "")\(cells.count) cells: \(shown)" + (cells.count > 8 ? " and \(cells.count - 8) more" : "")
    }

    /// A document without a matrix: walked and built as it is.
    private static func plain(_ document: Node, path: String) -> ([Loaded], [Diagnostic]) {
        var walker = SchemaWalker(path: path)
        let value = walker.walk(document, ScenarioSchema.root, keyPath: "")
        walker.crossCheck(value)
        var diagnostics = walker.diagnostics
        let sweepProblems = (value ?? walker.partials[""]).map { SweepSchema.check($0, swept: nil, locations: walker.locations, path: path) } ?? []
        guard !diagnostics.contains(where: { $0.severity == .error }), sweepProblems.isEmpty, let value else { return ([], diagnostics + sweepProblems) }
        let built = finish(value, walker: walker, path: path, diagnostics: &diagnostics)
        return (built.map { [$0] } ?? [], diagnostics)
    }

    /// Builds the model (`ScenarioSchema.build`); a value it cannot read is a located error.
    private static func finish(_ value: ConfigValue, walker: SchemaWalker, path: String, diagnostics: inout [Diagnostic]) -> Loaded? {
        let origin = walker.locations[""] ?? SourceLocation(path: path, line: 1, column: 1)
        do {
            let scenario = try ScenarioSchema.build(ConfigDecoder(value, locations: walker.locations, origin: origin))
            return Loaded(scenario: scenario, nameAt: walker.locations["name"] ?? origin, value: value, locations: walker.locations)
        } catch {
            diagnostics.append(error)
            return nil
        }
    }

    /// The top-level `expect` with every matching `expect_by_cell` entry laid over it in order.
    package static func cellExpectations(_ value: ConfigValue, parameters: [(String, ConfigValue?)]) -> [String: ConfigValue] {
        var expect = objectFields(value["expect"] ?? .object([:]))
        guard case .list(let entries)? = value["expect_by_cell"] else { return expect }
        for entry in entries {
            let conditions = objectFields(entry["where"] ?? .object([:]))
            let matches = conditions.allSatisfy { key, wanted in
                parameters.contains { $0.0 == key && SweepSchema.matches(wanted, $0.1, shape: SweepSchema.shape(of: key)) }
            }
            if matches { expect.merge(objectFields(entry["expect"] ?? .object([:]))) { _, new in new } }
        }
        return expect
    }

    /// Every combination of indices, first axis slowest.
    package static func crossProduct(_ sizes: [Int]) -> [[Int]] {
        sizes.reduce([[]]) { partial, size in partial.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
    }

    /// `document` with `value` at the key path `keys`; missing mappings are made, and a
    /// scalar shorthand (`lock: flock`) is opened into its mapping (`{mode: flock}`).
    package static func substitute(_ node: Node, _ keys: ArraySlice<String>, with value: Node, objectPath: String) -> Node {
        guard let key = keys.first else { return value }
        let childPath = objectPath.isEmpty ? key : "\(objectPath).\(key)"
        var pairs: [(Node, Node)]
        var tag = Tag.implicit, style = Node.Mapping.Style.any
        if let mapping = node.mapping {
            pairs = mapping.map { ($0.key, $0.value) }
            tag = mapping.tag
            style = mapping.style
        } else if node.scalar != nil, node.tagName != .null, let short = shorthand(of: objectPath) {
            pairs = [(Node(short), node)]
        } else {
            pairs = []
        }
        if let i = pairs.firstIndex(where: { $0.0.scalar?.string == key }) {
            pairs[i].1 = substitute(pairs[i].1, keys.dropFirst(), with: value, objectPath: childPath)
        } else {
            pairs.append((Node(key), substitute(Node.mapping(Node.Mapping([])), keys.dropFirst(), with: value, objectPath: childPath)))
        }
        return .mapping(Node.Mapping(pairs, tag, style, node.mark))
    }

    /// The shorthand key of the object at `objectPath` (`buyers` → `count`).
    private static func shorthand(of objectPath: String) -> String? {
        var fields = ScenarioSchema.scenarioFields
        var found: String?
        for part in objectPath.split(separator: ".") {
            guard let field = fields.first(where: { $0.name == part }), case .object(let nested, let short) = field.shape else { return nil }
            fields = nested
            found = short
        }
        return found
    }

    /// This cell's value at a swept key path, read back from the walked document.
    private static func cellValue(_ value: ConfigValue, _ keyPath: String) -> ConfigValue? {
        keyPath.split(separator: ".").reduce(Optional(value)) { $0?[String($1)] }
    }

    /// A value as a cell name shows it: `flock`, `10`, `1ms`, `0.01`.
    package static func text(_ value: ConfigValue?) -> String {
        switch value {
        case .int(let v)?: return "\(v)"
        case .number(let v)?: return v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))" : "\(v)"
        case .text(let t)?: return t
        case .duration(let ns)?: return DurationText.format(ns)
        case .uniform(let a, let b)?: return "uniform(\(DurationText.format(a))..\(DurationText.format(b)))"
        case .list(let items)?: return items.map { text($0) }.joined(separator: "+")
        case .object?, nil: return "?"
        }
    }

    private static func objectFields(_ value: ConfigValue) -> [String: ConfigValue] {
        if case .object(let fields) = value { return fields }
        return [:]
    }

    private static func at(_ node: Node, _ path: String) -> SourceLocation {
        SourceLocation(path: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }
}
