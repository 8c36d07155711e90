import TicketRushModel
/// The sweep keys of the format, as data like the rest of `ScenarioSchema`: `matrix`,
/// `expect_by_cell`, and the shape of `trials` (a count, or a statistical stopping rule).
package enum SweepSchema {
    /// Top-level keys that cannot be swept: they name, seed or judge the whole scenario.
    package static let unsweepable: Set<String> = ["name", "description", "trials", "seed", "invariants", "expect", "thresholds",
                                                   // A session case is its statements: sweep its isolation level instead.
                                                   "setup", "sessions", "permutations", "anomaly_if", "case"]

    /// Every key path a matrix may sweep, with the shape of one value (`lock.mode` → choice).
    package static func sweepable(_ fields: [Field], prefix: String = "") -> [(path: String, shape: Shape, doc: String)] {
        var out: [(String, Shape, String)] = []
        for field in fields where !(prefix.isEmpty && unsweepable.contains(field.name)) {
            let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
            if case .object(let nested, _) = field.shape {
                out += sweepable(nested, prefix: path)
            } else {
                out.append((path, field.shape, field.doc))
            }
        }
        return out
    }

    /// `matrix` and `expect_by_cell`, built from the plain scenario's fields.
    package static func fields(sweeping scenario: [Field]) -> [Field] {
        let paths = sweepable(scenario)
        let expectShape = scenario.first { $0.name == "expect" }?.shape ?? .object([], shorthand: nil)
        return [
            Field("matrix", matrix(sweeping: scenario),
                  "key path → list of values; the scenario runs once per combination (cross product), each cell named NAME[path=value,…]"),
            Field("expect_by_cell", .uniqueList(.object([
                Field("where", .object(paths.map { Field($0.path, whereShape($0.shape), "this cell's \($0.path)") }, shorthand: nil), required: true,
                      "the cells this entry applies to: swept key paths, each with one of its matrix values or a list of them"),
                Field("expect", expectShape, required: true, "expectations for those cells, over the top-level expect"),
            ], shorthand: nil)), "per-cell expectations; later entries win (docs/sweeps.md)"),
        ]
    }

    /// A `where` condition: a value, or a list of values any of which matches; a key whose
    /// value is itself a list or a mapping (`faults`, `buyers.command`) takes one value only,
    /// or a list would be ambiguous.
    package static func whereShape(_ shape: Shape) -> Shape {
        takesList(shape) ? .oneOrMany(shape) : shape
    }

    /// Whether a `where` condition (a value or a list of them) matches a cell's value.
    package static func matches(_ wanted: ConfigValue, _ value: ConfigValue?, shape: Shape?) -> Bool {
        if case .list(let values) = wanted, shape.map(takesList) ?? false { return value.map(values.contains) ?? false }
        return wanted == value
    }

    /// The shape of a sweepable key path (`lock.mode` → its choice).
    package static func shape(of keyPath: String) -> Shape? {
        sweepable(ScenarioSchema.scenarioFields).first { $0.path == keyPath }?.shape
    }

    /// Whether a `where` condition on a key of this shape may list several values: a scalar
    /// (or a delay, whose `{uniform: …}` is not a list).
    private static func takesList(_ shape: Shape) -> Bool {
        switch shape {
        case .integer, .positiveNumber, .text, .duration, .delay, .choice, .relativePath, .fraction: return true
        case .object, .uniqueList, .list, .keyed, .oneOrMany, .named: return false
        }
    }

    /// The shape of `matrix`: each sweepable key path → a list of its values.
    package static func matrix(sweeping scenario: [Field]) -> Shape {
        .object(sweepable(scenario).map { Field($0.path, .uniqueList($0.shape), "values of \($0.path) to sweep") }, shorthand: nil)
    }

    /// `trials`: a bare count, or a rule that runs until the violation rate is bounded.
    package static let trials: Shape = .object([
        Field("count", .integer(min: 1, max: 1_000_000), "run exactly this many trials"),
        Field("until", .object([
            Field("rate_below", .fraction(what: "a rate such as 1% or 0.01", atLeast: 0), required: true, "stop once the 95% upper bound of the violation rate is below this (e.g. 1%)"),
            Field("confidence", .fraction(what: "a confidence such as 95% or 0.99", atLeast: 0.5), default: .text(percent(StopRule.defaultConfidence)), "confidence of that bound (e.g. 95%, 99%)"),
        ], shorthand: nil), "run until the violation rate is bounded, a violation appears, or max is reached"),
        Field("max", .integer(min: 1, max: 1_000_000), "most trials with until (default \(StopRule.defaultMaxTrials))"),
    ], shorthand: "count")

    /// `95%` for 0.95: a fraction as `trials.until` writes it.
    package static func percent(_ fraction: Double) -> String {
        ScenarioYAML.number((fraction * 100 * 1_000_000).rounded() / 1_000_000) + "%"
    }

    /// `trials` as a count and a stopping rule: a count, or `until` (with `max`).
    package static func trialCount(_ d: ConfigDecoder) throws(Diagnostic) -> (count: Int, rule: StopRule?) {
        let trials = try d.nested("trials")
        func fail(_ key: String, _ message: String) -> Diagnostic { d.error(key, message, orAt: "trials") }
        guard trials.has("until") else {
            if trials.has("max") { throw fail("trials.max", "'trials.max' only applies with 'trials.until'") }
            return (try trials.optional("count") ?? Scenario.defaultTrials, nil)
        }
        if trials.has("count") { throw fail("trials.count", "'trials' takes count or until, not both") }
        let rateText = try trials.optional("until.rate_below", as: String.self)
        guard let rate = rateText.flatMap(StopRule.fraction) else {
            throw fail("trials.until.rate_below", "'trials.until.rate_below' must be a rate such as 1% or 0.01, above 0 and below 100%, got '\(rateText ?? "")'")
        }
        let confidenceText = try trials.optional("until.confidence", as: String.self)
        guard let confidence = confidenceText.flatMap(StopRule.fraction), confidence >= 0.5 else {
            throw fail("trials.until.confidence", "'trials.until.confidence' must be a confidence such as 95% or 0.99, from 50% to below 100%, got '\(confidenceText ?? "")'")
        }
        return (try trials.optional("max") ?? StopRule.defaultMaxTrials, StopRule(rateBelow: rate, confidence: confidence))
    }

    /// Checks of the sweep keys that need more than one key: `expect_by_cell` needs a
    /// `matrix`, and may only name swept key paths, their matrix values, and judged invariants.
    /// `swept` is nil for a document without a matrix.
    package static func check(_ value: ConfigValue, swept: [String]?, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        guard case .list(let entries)? = value["expect_by_cell"] else { return [] }
        let fallback = locations["expect_by_cell"] ?? SourceLocation(path: path, line: 1, column: 1)
        guard let swept else { return [Diagnostic(at: fallback, "'expect_by_cell' needs a 'matrix' to choose cells from")] }
        var out: [Diagnostic] = []
        let judged = ScenarioSchema.judged(value, locations: locations)
        for (i, entry) in entries.enumerated() {
            let base = "expect_by_cell[\(i)]"
            for (key, wanted) in fields(entry["where"]).sorted(by: { $0.key < $1.key }) {
                let at = locations["\(base).where.\(key)"] ?? fallback
                guard swept.contains(key) else {
                    out.append(Diagnostic(at: at, "'\(base).where.\(key)' is not swept by 'matrix' (swept: \(swept.joined(separator: ", ")))"))
                    continue
                }
                guard case .list(let values)? = value["matrix"]?[key] else { continue }
                let keyShape = shape(of: key)
                let listed: [(ConfigValue, String)]
                if case .list(let items) = wanted, keyShape.map(takesList) ?? false {
                    listed = items.enumerated().map { ($0.element, "\(base).where.\(key)[\($0.offset)]") }
                } else {
                    listed = [(wanted, "\(base).where.\(key)")]
                }
                for (one, label) in listed where !values.contains(one) {
                    out.append(Diagnostic(at: locations[label] ?? at, "'\(label)' is \(MatrixExpansion.text(one)), not one of the matrix values (\(values.map(MatrixExpansion.text).joined(separator: ", ")))"))
                }
            }
            for key in fields(entry["expect"]).keys.sorted() {
                guard let problem = JudgedInvariants.problem(key, label: "\(base).expect.\(key)", listed: judged, sessions: value["sessions"] != nil) else { continue }
                out.append(Diagnostic(at: locations["\(base).expect.\(key):key"] ?? fallback, problem))
            }
        }
        return out
    }

    private static func fields(_ value: ConfigValue?) -> [String: ConfigValue] {
        if case .object(let fields)? = value { return fields }
        return [:]
    }
}
