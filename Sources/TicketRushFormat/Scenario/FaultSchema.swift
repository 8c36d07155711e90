import TicketRushModel
/// The `faults:` list of the format: its shape, the checks that span keys, and the model.
package enum FaultSchema {
    /// Steps a fault may name in `at`: those a buyer reports.
    package static let steps = EventKind.allCases.filter { $0.isBuyerStep && !$0.isGate }.map(\.name)

    package static func fields(stall: Bool) -> [Field] {
        var fields = [
            Field("buyers", .uniqueList(.integer(min: 1, max: 100_000)), "these buyers, 1-based (or give probability)"),
            Field("probability", .positiveNumber, "each buyer independently with this probability (<= 1), drawn from the trial seed"),
            Field("at", .choice(steps), required: true, "the step (an event kind) right after which the fault lands"),
            Field("limit", .integer(min: 1, max: nil), "at most this many buyers per trial: the first to reach the step"),
        ]
        if stall {
            fields.append(Field("for", .duration, required: true, "how long the buyer stays stopped; multiplied by time_scale like the delays"))
        }
        return fields
    }

    /// One item of `faults:`: `{kill: {...}}` or `{stall: {...}}`.
    package static let item: Shape = .object([
        Field("kill", .object(fields(stall: false), shorthand: nil), "SIGKILL the buyer right after the step"),
        Field("stall", .object(fields(stall: true), shorthand: nil), "SIGSTOP the buyer right after the step, SIGCONT it `for` later"),
    ], shorthand: nil)

    /// Problems that need more than one key: one action per item, buyers xor probability,
    /// probability <= 1, buyer numbers within `buyers.count`.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        guard case .list(let items)? = value["faults"] else { return [] }
        let buyerCount = value["buyers"]?["count"]?.int
        var out: [Diagnostic] = []
        func at(_ key: String, _ fallback: String) -> SourceLocation {
            locations[key] ?? locations[fallback] ?? SourceLocation(path: path, line: 1, column: 1)
        }
        for (i, item) in items.enumerated() {
            let base = "faults[\(i)]"
            let actions = ["kill", "stall"].filter { item[$0] != nil }
            guard actions.count == 1, let action = actions.first, let spec = item[action] else {
                let why = actions.isEmpty ? "must be {kill: {...}} or {stall: {...}}" : "has both kill and stall: give one action per item"
                out.append(Diagnostic(at: at(base, "faults"), "'\(base)' \(why)"))
                continue
            }
            let key = "\(base).\(action)"
            if let step = spec["at"]?.text, let mode = value["lock"]?["mode"]?.text.flatMap(LockMode.init(rawValue:)),
               let why = neverReported(step, mode) {
                out.append(Diagnostic(at: at("\(key).at", key), "'\(key).at' names \(step), which \(why): the fault would never fire"))
            }
            switch (spec["buyers"], spec["probability"]) {
            case (nil, nil):
                out.append(Diagnostic(at: at(key, base), "'\(key)' needs 'buyers: [N, ...]' or 'probability: P'"))
            case (.some, .some):
                out.append(Diagnostic(at: at("\(key).probability", key), "'\(key)' has both 'buyers' and 'probability': give one"))
            case (.some(.list(let buyers)), nil):
                if buyers.isEmpty { out.append(Diagnostic(at: at("\(key).buyers", key), "'\(key).buyers' must name at least one buyer")) }
                for (j, b) in buyers.enumerated() {
                    if let n = b.int, let count = buyerCount, n > count {
                        out.append(Diagnostic(at: at("\(key).buyers[\(j)]", "\(key).buyers"),
                                              "'\(key).buyers' names buyer \(n), but the scenario has \(plural(count, "buyer"))"))
                    }
                }
            case (nil, .some(let p)):
                if let p = p.number, p > 1 {
                    out.append(Diagnostic(at: at("\(key).probability", key), "'\(key).probability' must be from 0 to 1, got \(p)"))
                }
            default:
                break
            }
        }
        return out
    }

    /// Why a buyer under `mode` never reports `step`, or nil when it can.
    package static func neverReported(_ step: String, _ mode: LockMode) -> String? {
        switch step {
        case "lock.wait", "lock.acquired", "lock.released":
            return mode == .none ? "lock mode none never reports" : nil
        case "lock.recovered":
            return mode == .mutex ? nil : "only the mutex mode reports"
        case "purchase.retry":
            return mode == .optimistic ? nil : "only the optimistic mode reports"
        default:
            return nil
        }
    }

    /// The model from a value `check` passed; a missing or mistyped key is a located error.
    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> [Fault] {
        var faults: [Fault] = []
        for item in try d.items("faults") {
            let action: Fault.Action, spec: ConfigDecoder
            if item.has("kill") {
                (action, spec) = (.kill, try item.nested("kill"))
            } else {
                spec = try item.nested("stall")
                action = .stall(try spec.required("for", as: Nanoseconds.self).ns)
            }
            let step: String = try spec.required("at")
            guard let at = EventKind(name: step), steps.contains(step) else {
                throw spec.error("at", "'\(spec.full("at"))' must be one of \(steps.joined(separator: ", ")), got '\(step)'")
            }
            let target: Fault.Target
            if spec.has("buyers") {
                var buyers: [Int] = []
                for buyer in try spec.items("buyers") { buyers.append(try buyer.decode(as: Int.self) - 1) }
                target = .buyers(buyers)
            } else {
                target = .probability(try spec.required("probability"))
            }
            faults.append(Fault(action, target, at: at, limit: try spec.optional("limit")))
        }
        return faults
    }

    /// One fault as the value the walker reads from `{kill: {...}}` / `{stall: {...}}`: `build`'s inverse.
    package static func value(_ fault: Fault) -> ConfigValue {
        var spec: [String: ConfigValue] = ["at": .text(fault.at.name)]
        switch fault.target {
        case .buyers(let list): spec["buyers"] = .list(list.map { .int($0 + 1) })
        case .probability(let p): spec["probability"] = .number(p)
        }
        if let limit = fault.limit { spec["limit"] = .int(limit) }
        switch fault.action {
        case .kill: return .object(["kill": .object(spec)])
        case .stall(let ns):
            spec["for"] = .duration(ns)
            return .object(["stall": .object(spec)])
        }
    }
}
