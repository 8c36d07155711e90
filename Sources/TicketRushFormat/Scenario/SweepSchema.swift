import TicketRushModel
/// The sweep keys of the format, as data like the rest of `ScenarioSchema`: `matrix`,
/// `expect_by_cell`, and the shape of `trials` (a count, or a statistical stopping rule).
package enum SweepSchema {
    /// Top-level keys that cannot be swept: they name, seed or judge the whole scenario.
    package static let unsweepable: Set<String> = ["name", "description", "trials", "seed", "invariants", "expect"]

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
        let expectShape = scenario.first { $0.name == "expect" }!.shape
        return [
            Field("matrix", .object(paths.map { Field($0.path, .uniqueList($0.shape), "values of \($0.path) to sweep") }, shorthand: nil),
                  "key path → list of values; the scenario runs once per combination (cross product), each cell named NAME[path=value,…]"),
            Field("expect_by_cell", .uniqueList(.object([
                Field("where", .object(paths.map { Field($0.path, $0.shape, "this cell's \($0.path)") }, shorthand: nil), required: true,
                      "the cells this entry applies to: swept key paths and one of their matrix values"),
                Field("expect", expectShape, required: true, "expectations for those cells, over the top-level expect"),
            ], shorthand: nil)), "per-cell expectations; later entries win (docs/sweeps.md)"),
        ]
    }

    /// `trials`: a bare count, or a rule that runs until the violation rate is bounded.
    package static let trials: Shape = .object([
        Field("count", .integer(min: 1, max: 1_000_000), "run exactly this many trials"),
        Field("until", .object([
            Field("rate_below", .text(nonEmpty: true), required: true, "stop once the 95% upper bound of the violation rate is below this (e.g. 1%)"),
            Field("confidence", .text(nonEmpty: true), default: .text("95%"), "confidence of that bound (e.g. 95%, 99%)"),
        ], shorthand: nil), "run until the violation rate is bounded, a violation appears, or max is reached"),
        Field("max", .integer(min: 1, max: 1_000_000), "most trials with until (default 10000)"),
    ], shorthand: "count")
}
