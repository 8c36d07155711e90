import TicketRushModel
import TicketRushEngines
/// The scenario format as data: the loader, `ticketrush schema` and the reference docs
/// all read these definitions, so they cannot drift apart.
package indirect enum Shape: Sendable {
    /// An integer in `min...max`.
    case integer(min: Int, max: Int?)
    /// A number greater than zero.
    case positiveNumber
    /// A string; `nonEmpty` forbids "".
    case text(nonEmpty: Bool)
    /// "1s", "250ms", "40us", "2m" or a bare number of seconds.
    case duration
    /// A duration or `{uniform: [min, max]}`.
    case delay
    /// One of these words.
    case choice([String])
    /// A relative path that stays inside the trial's work folder.
    case relativePath
    /// A mapping with these keys; a scalar stands for `{shorthand: scalar}` when given.
    case object([Field], shorthand: String?)
    /// A list of distinct items.
    case uniqueList(Shape)
    /// A list whose items may repeat (a command's words).
    case list(Shape)
    /// A mapping whose keys come from `keys`, each mapped to `value`.
    case keyed(keys: [String], value: Shape)
    /// A fraction written as a percent (`1%`) or a number (`0.01`), quoted or not, from
    /// `atLeast` to below 1 (above 0 when `atLeast` is 0); kept as written. `what` names it
    /// in messages: "a rate such as 1% or 0.01".
    case fraction(what: String, atLeast: Double)
    /// One value, or a list of distinct values (`where: {lock.mode: [none, flock]}`).
    case oneOrMany(Shape)
    /// A mapping from names the author chooses (a letter, then letters, digits, `-`, `_`, `.`;
    /// at most 32) to `value`: the sessions of a case (`T1: [...]`).
    case named(Shape)
}

/// One key of an object.
package struct Field: Sendable {
    package var name: String
    package var shape: Shape
    package var required: Bool
    /// Required only when this sibling key is absent (`tickets` unless `sessions`).
    package var requiredUnless: String? = nil
    /// Filled in when the key is absent (nil: absent stays absent).
    package var defaultValue: ConfigValue?
    /// What the key means, for the reference and the schema.
    package var doc: String

    package init(_ name: String, _ shape: Shape, required: Bool = false, unless: String? = nil, default defaultValue: ConfigValue? = nil, _ doc: String) {
        self.requiredUnless = unless
        self.name = name
        self.shape = shape
        self.required = required
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// Format v1.
package enum ScenarioSchema {
    package static let version = 1

    package static let delayFields: [Field] = [
        Field("search", .delay, default: .delay(Delays.defaultDelay), "after reading the count in search (the tutorial's first sleep)"),
        Field("write", .delay, default: .delay(Delays.defaultDelay), "after deciding to buy, before writing (the tutorial's second sleep)"),
        Field("truncate", .delay, default: .delay(Delays.defaultDelay), "in-place writes only: between truncating the file and writing the new text"),
        Field("start", .delay, default: .delay(Delays.defaultDelay), "stagger after the start barrier, before the first step"),
    ]

    /// The top-level keys of a scenario; the sweep keys (`matrix`, …) come from `SweepSchema`.
    package static let root: Shape = .object(scenarioFields + SweepSchema.fields(sweeping: scenarioFields), shorthand: nil)

    /// The keys of one plain scenario: what a sweep cell is.
    package static let scenarioFields: [Field] = [
        Field("name", .text(nonEmpty: true), required: true, "unique within one run; the JUnit testsuite name"),
        Field("description", .text(nonEmpty: false), "free text, shown in reports"),
        Field("tickets", .integer(min: 0, max: nil), "the initial {\"count\": N}; required unless a workload is given (then: its seats, capacity, or customers × limit) or the scenario is a session case"),
        Field("buyers", .object([
            Field("count", .integer(min: 1, max: 100_000), required: true, "how many buyer processes to fork"),
            Field("name", .text(nonEmpty: true), default: .text(BuyerGroup.defaultNameTemplate), "name template; {n} is the 1-based buyer index"),
            Field("wants", .integer(min: 1, max: 1_000_000), default: .int(BuyerGroup.defaultWants), "tickets each buyer tries to get: one search+purchase task each, stopping at sold-out"),
            ProgramSchema.buyersCommand,
            ProgramSchema.buyersControl,
        ], shorthand: "count"), required: true, unless: "sessions", "the buyers; a bare number is {count: N}"),
    ] + ProgramSchema.fields + SessionsSchema.fields + [
        Field("delays", .object(delayFields, shorthand: nil), default: .object([:]), "waits inside each task; each defaults to 0"),
        Field("time_scale", .positiveNumber, default: .number(Scenario.defaultTimeScale), "multiplies every delay"),
        Field("storage", .object([
            Field("kind", .choice(StorageKind.allCases.map(\.rawValue)), default: .word(StorageConfig.defaultKind),
                  StorageKind.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
            Field("path", .relativePath, "json, sqlite: the file, relative to the trial's fresh work folder; may not leave it (default \(StorageConfig.defaultPath); sqlite \(StorageConfig.defaultSQLitePath))"),
            Field("write", .choice(WriteMode.allCases.map(\.rawValue)), default: .word(StorageConfig.defaultWrite),
                  WriteMode.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
        ] + StorageSchema.fields, shorthand: nil), default: .object([:]), "where the tickets are stored"),
        Field("lock", .object([
            Field("mode", .choice(LockMode.allCases.map(\.rawValue)), default: .word(LockConfig.defaultMode),
                  LockMode.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
            Field("scope", .choice(LockScope.allCases.map(\.rawValue)), default: .word(LockConfig.defaultScope),
                  LockScope.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
            Field("retries", .integer(min: 0, max: 1_000_000), default: .int(LockConfig.defaultRetries),
                  "optimistic, and the database modes: how many times one task may start its purchase again after a version conflict, busy or serialization failure; running out is an error outcome"),
            StorageSchema.ttlField,
        ], shorthand: "mode"), default: .object([:]), "the concurrency control; a bare word is {mode: WORD}"),
        Field("trials", SweepSchema.trials, default: .object(["count": .int(Scenario.defaultTrials)]),
              "independent repetitions, fresh storage each: a number, or {until: {rate_below: 1%, confidence: 95%}, max: N}"),
        Field("seed", .integer(min: 0, max: nil), "fixes every random draw; default: a random seed, always recorded in the report"),
        Field("timeout", .duration, default: .duration(Scenario.defaultTimeoutNs), "per trial; buyers still running then are killed and reported"),
        Field("faults", .uniqueList(FaultSchema.item), default: .list(Scenario.defaultFaults.map(FaultSchema.value)),
              "kill or stall buyers right after a step: {kill: {buyers: [N] | probability: P, at: STEP, limit: N}} or {stall: {..., for: DURATION}}; or at a time offset from the start barrier: after: DURATION instead of at"),
        Field("invariants", .uniqueList(.choice(Invariant.allCases.map(\.rawValue))),
              default: .list(Scenario.defaultInvariants.map(ConfigValue.word)), "the invariants to judge (default: all but the isolation models and anomalies); an isolation model (serializable, snapshot-isolation, repeatable-read, read-committed) also judges each anomaly it forbids, by name (docs/anomalies.md)"),
        Field("expect", .keyed(keys: Invariant.allCases.map(\.rawValue), value: .choice(Expectation.allCases.map(\.rawValue))),
              default: .object(Scenario.defaultExpect.mapValues(ConfigValue.word).keyedByRawValue), "per invariant: hold (default: in every trial) or violated (in at least one trial)"),
        ScheduleSchema.field,
        WorkloadSchema.field,
        Field("thresholds", .keyed(keys: Threshold.Metric.allCases.map(\.rawValue), value: .text(nonEmpty: true)),
              default: .object(Dictionary(uniqueKeysWithValues: Threshold.defaultThresholds.map { ($0.metric.rawValue, ConfigValue.text($0.condition)) })),
              "per metric, a comparison the cell's measured value must meet, each an expectation: \"< 50ms\" for durations (latency.p50/p90/p99/max, lock.wait.p95), \"> 100\" for numbers (purchases_per_second, retries_per_purchase)"),
    ]
}

extension ScenarioSchema {
    /// The model from a value the walker accepted (every default filled in) and the
    /// cross-key checks passed. Each key is read by its path; nothing here is a default:
    /// an absent key means a `Field` lost its default, and is a located error, not a trap.
    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> Scenario {
        let (trials, rule) = try SweepSchema.trialCount(d)
        let workload = try WorkloadSchema.build(d)
        var invariants: [Invariant] = []
        for item in try d.items("invariants") { invariants.append(try item.decode()) }
        let sessions = try SessionsSchema.build(d)
        // A session case judges serializable alone (SessionsSchema.check refused others written).
        if let sessions { invariants = sessions.anomalyIf.isEmpty ? [.serializable] : [.serializable, .noAnomaly] }
        // A session case has no tickets, and one "buyer" per session (for names in reports).
        var tickets = 0
        var buyers = BuyerGroup(count: max(sessions?.sessions.count ?? 1, 1))
        if sessions == nil {
            if let written: Int = try d.optional("tickets") { tickets = written } else if let workload { tickets = workload.tickets } else {
                tickets = try d.required("tickets")
            }
            buyers = BuyerGroup(count: try d.required("buyers.count"), nameTemplate: try d.required("buyers.name"), wants: try d.required("buyers.wants"))
        }
        // Unwritten, a workload's invariants are its own (Scenario.defaultInvariants(for:)).
        if let workload, d.locations["invariants"] == nil { invariants = Scenario.defaultInvariants(for: workload) }
        var expect: [Invariant: Expectation] = [:]
        for (key, value) in try d.entries("expect") {
            guard let invariant = Invariant(rawValue: key) else { throw value.error("", "'\(value.prefix)' names no invariant") }
            expect[invariant] = try value.decode()
        }
        var seed: UInt64?
        if let written = try d.optional("seed", as: Int.self) {
            guard let value = UInt64(exactly: written) else { throw d.error("seed", "'seed' must be an integer >= 0, got \(written)") }
            seed = value
        }
        var scenario = Scenario(
            name: try d.required("name"),
            description: try d.optional("description"),
            tickets: tickets,
            buyers: buyers,
            delays: Delays(search: try d.required("delays.search"), write: try d.required("delays.write"),
                           truncate: try d.required("delays.truncate"), start: try d.required("delays.start")),
            timeScale: try d.required("time_scale"),
            storage: try StorageSchema.build(d),
            lock: LockConfig(mode: try d.required("lock.mode"), scope: try d.required("lock.scope"),
                             retries: try d.required("lock.retries"),
                             ttlNs: try d.optional("lock.ttl", as: Nanoseconds.self)?.ns ?? LockConfig.defaultTTLNs),
            trials: trials,
            seed: seed,
            timeoutNs: try d.required("timeout", as: Nanoseconds.self).ns,
            invariants: sessions == nil ? Invariant.judged(invariants) : invariants,
            expect: expect,
            faults: try FaultSchema.build(d),
            origin: d.origin)
        scenario.stopRule = rule
        scenario.workload = workload
        // A seats buyer books `workload.wants` seats: one task each, as the histories count them.
        if case .seats(_, let wants)? = workload { scenario.buyers.wants = wants }
        scenario.schedule = try ScheduleSchema.build(d)
        for (key, value) in try d.entries("thresholds") {
            guard let metric = Threshold.Metric(rawValue: key) else { throw value.error("", "'\(value.prefix)' names no metric") }
            switch Threshold.parse(try value.decode(as: String.self), metric: metric) {
            case .success(let threshold): scenario.thresholds.append(threshold)
            case .failure(let error): throw value.error("", "'\(value.prefix)' \(error.description)")
            }
        }
        for (key, location) in d.locations {
            for prefix in ["expect.", "thresholds."] where key.hasPrefix(prefix) && key.hasSuffix(":key") {
                scenario.expectationOrigins[String(key.dropLast(4))] = location
            }
        }
        scenario.program = try ProgramSchema.build(d)
        scenario.sessions = sessions
        // A session case is one cell whose runs are its orders: planned as a controlled search.
        if let sessions {
            scenario.schedule.strategy = .exhaustive
            if !sessions.permutations.isEmpty { scenario.schedule.runs = sessions.permutations.count }
        }
        return scenario
    }

    /// The invariants a scenario judges, by name: a session case judges serializable alone.
    package static func judged(_ value: ConfigValue, locations: [String: SourceLocation]) -> Set<String> {
        if value["sessions"] != nil {
            return value["anomaly_if"] == nil ? [Invariant.serializable.rawValue] : Set(Invariant.sessionOnly.map(\.rawValue))
        }
        // Unwritten, a workload's invariants are its own.
        if locations["invariants"] == nil, let kind = WorkloadSchema.kind(value) { return WorkloadSchema.defaultInvariants(kind) }
        guard case .list(let list)? = value["invariants"] else { return [] }
        return Set(list.compactMap(\.text))
    }

    /// Checks of one plain scenario that need more than one key: `expect` names judged
    /// invariants, and the faults' own (`FaultSchema.check`). The sweep keys' are `SweepSchema.check`.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        var out = FaultSchema.check(value, locations: locations, path: path)
        out += StorageSchema.check(value, locations: locations, path: path)
        if case .object(let thresholds)? = value["thresholds"] {
            for key in thresholds.keys.sorted() {
                guard let metric = Threshold.Metric(rawValue: key), let text = thresholds[key]?.text,
                      case .failure(let error) = Threshold.parse(text, metric: metric) else { continue }
                let where_ = locations["thresholds.\(key)"] ?? locations["thresholds"] ?? SourceLocation(path: path, line: 1, column: 1)
                out.append(Diagnostic(at: where_, "'thresholds.\(key)' \(error.description)"))
            }
        }
        out += ProgramSchema.check(value, locations: locations, path: path)
        out += ScheduleSchema.check(value, locations: locations, path: path)
        out += SessionsSchema.check(value, locations: locations, path: path)
        out += WorkloadSchema.check(value, locations: locations, path: path)
        guard case .object(let expect)? = value["expect"] else { return out }
        let judged = judged(value, locations: locations)
        for key in expect.keys.sorted() {
            guard let problem = JudgedInvariants.problem(key, label: "expect.\(key)", listed: judged, sessions: value["sessions"] != nil) else { continue }
            let where_ = locations["expect.\(key):key"] ?? locations["expect"] ?? SourceLocation(path: path, line: 1, column: 1)
            out.append(Diagnostic(at: where_, problem))
        }
        return out
    }
}

extension ConfigValue {
    /// A word of the format from the model's enum (`lock.mode: none`).
    package static func word<W: RawRepresentable>(_ word: W) -> ConfigValue where W.RawValue == String { .text(word.rawValue) }

    /// A delay of the model as the walker reads it back.
    package static func delay(_ delay: Delay) -> ConfigValue {
        switch delay {
        case .fixed(let ns): return .duration(ns)
        case .uniform(let low, let high): return .uniform(low, high)
        }
    }
}

extension Dictionary where Key: RawRepresentable, Key.RawValue == String, Value == ConfigValue {
    /// `[Invariant: ConfigValue]` as the mapping the walker builds.
    package var keyedByRawValue: [String: ConfigValue] {
        Dictionary<String, ConfigValue>(uniqueKeysWithValues: map { ($0.key.rawValue, $0.value) })
    }
}
