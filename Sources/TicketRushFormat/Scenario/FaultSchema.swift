import TicketRushModel
/// The `faults:` list of the format: its shape, the checks that span keys, and the model.
package enum FaultSchema {
    /// Steps a fault may name in `at`: those a buyer reports.
    package static let steps = EventKind.allCases.filter { $0.isBuyerStep && !$0.isGate }.map(\.name)

    package static func fields(stall: Bool) -> [Field] {
        var fields = [
            Field("buyers", .uniqueList(.integer(min: 1, max: 100_000)), "these buyers, 1-based (or give probability)"),
            Field("probability", .positiveNumber, "each buyer independently with this probability (<= 1), drawn from the trial seed"),
            Field("at", .choice(steps), "the step (an event kind) right after which the fault lands (or give after)"),
            Field("after", .duration, "instead of at: this long after the start barrier opens, wherever the buyer is; multiplied by time_scale like the delays; timing schedules only"),
            Field("limit", .integer(min: 1, max: nil), "at most this many buyers per trial: the first to reach the step (with at only)"),
        ]
        if stall {
            fields.append(Field("for", .duration, required: true, "how long the buyer stays stopped; multiplied by time_scale like the delays"))
        }
        return fields
    }

    /// One item of `faults:`: `{kill: {...}}` or `{stall: {...}}`.
    package static let item: Shape = .object([
        Field("kill", .object(fields(stall: false), shorthand: nil), "SIGKILL the buyer right after the step (or at the time offset)"),
        Field("stall", .object(fields(stall: true), shorthand: nil), "SIGSTOP the buyer right after the step (or at the time offset), SIGCONT it `for` later"),
    ], shorthand: nil)

    /// Problems that need more than one key: one action per item, buyers xor probability,
    /// probability <= 1, buyer numbers within `buyers.count`, at xor after, and a time offset
    /// that can land (above 0, before the timeout, no `limit`, a timing schedule).
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        guard case .list(let items)? = value["faults"] else { return [] }
        let buyerCount = value["buyers"]?["count"]?.int
        let strategy = value["schedule"]?["strategy"]?.text
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
            // lock.mode is the built-in buyer's lock: a program reports (or is seen taking) its own.
            let builtIn = value["buyers"]?["command"] == nil && value["program"] == nil
            if builtIn, let step = spec["at"]?.text, let mode = value["lock"]?["mode"]?.text.flatMap(LockMode.init(rawValue:)),
               let why = neverReported(step, mode) {
                out.append(Diagnostic(at: at("\(key).at", key), "'\(key).at' names \(step), which \(why): the fault would never fire"))
            }
            switch (spec["at"], spec["after"]) {
            case (nil, nil):
                out.append(Diagnostic(at: at(key, base), "'\(key)' needs 'at: STEP' or 'after: DURATION'"))
            case (.some, .some):
                out.append(Diagnostic(at: at("\(key).after", key), "'\(key)' has both 'at' and 'after': give one"))
            case (nil, .some(.duration(let ns))):
                out += offsetProblems(ns, key: key, value: value, strategy: strategy, hasLimit: spec["limit"] != nil, at: at)
            default:
                break
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

    /// What is wrong with a time offset of `ns`: zero, a `limit` beside it, a controlled
    /// schedule (which has no clock to land it on), at or past the timeout.
    private static func offsetProblems(_ ns: Int64, key: String, value: ConfigValue, strategy: String?, hasLimit: Bool,
                                       at: (String, String) -> SourceLocation) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let here = at("\(key).after", key)
        if ns <= 0 {
            out.append(Diagnostic(at: here, "'\(key).after' must be a duration above 0 (the time after the start barrier opens), got 0"))
        }
        if hasLimit {
            out.append(Diagnostic(at: at("\(key).limit", key),
                                  "'\(key).limit' counts the first buyers to reach a step; 'after' hits every chosen buyer at once: choose them with 'buyers' or 'probability'"))
        }
        if let strategy, strategy != ScheduleStrategy.timing.rawValue {
            out.append(Diagnostic(at: here,
                                  "'\(key).after' is a time offset, which means nothing under 'schedule.strategy' \(strategy) (the schedule, not the clock, orders the steps): name a step with 'at'"))
        }
        if ns > 0, case .duration(let timeout)? = value["timeout"], let scale = value["time_scale"]?.number {
            let scaled = Double(ns) * scale
            if scaled >= Double(timeout) {
                let shown = scale == 1 ? DurationText.format(ns) : "\(DurationText.format(ns)) × time_scale \(ScenarioYAML.number(scale))"
                out.append(Diagnostic(at: here, "'\(key).after' is \(shown), not before the timeout (\(DurationText.format(timeout))): the fault would never fire"))
            }
        }
        return out
    }

    /// Why a buyer under `mode` never reports `step`, or nil when it can.
    package static func neverReported(_ step: String, _ mode: LockMode) -> String? {
        // The lock-mode table says which modes report which steps.
        func only(_ trait: (LockTraits) -> Bool) -> String? {
            trait(mode.traits) ? nil : "only the \(LockMode.allCases.filter { trait($0.traits) }.map(\.rawValue).joined(separator: ", ")) mode reports"
        }
        switch step {
        case "lock.wait", "lock.acquired", "lock.released":
            return mode.traits.reportsLockSteps ? nil : "lock mode \(mode.rawValue) never reports"
        case "lock.recovered": return only(\.reportsRecovery)
        case "purchase.retry": return only(\.retriesOnConflict)
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
            let target: Fault.Target
            if spec.has("buyers") {
                var buyers: [Int] = []
                for buyer in try spec.items("buyers") { buyers.append(try buyer.decode(as: Int.self) - 1) }
                target = .buyers(buyers)
            } else {
                target = .probability(try spec.required("probability"))
            }
            if spec.has("after") {
                faults.append(Fault(action, target, afterNs: try spec.required("after", as: Nanoseconds.self).ns))
                continue
            }
            let step: String = try spec.required("at")
            guard let at = EventKind(name: step), steps.contains(step) else {
                throw spec.error("at", "'\(spec.full("at"))' must be one of \(steps.joined(separator: ", ")), got '\(step)'")
            }
            faults.append(Fault(action, target, at: at, limit: try spec.optional("limit")))
        }
        return faults
    }

    /// One fault as the value the walker reads from `{kill: {...}}` / `{stall: {...}}`: `build`'s inverse.
    package static func value(_ fault: Fault) -> ConfigValue {
        var spec: [String: ConfigValue] = [:]
        switch fault.moment {
        case .step(let kind): spec["at"] = .text(kind.name)
        case .after(let ns): spec["after"] = .duration(ns)
        }
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
