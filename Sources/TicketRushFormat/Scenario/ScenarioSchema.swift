import TicketRushModel
/// The scenario format as data: the loader, `ticketrush schema` and the reference docs
/// all read these definitions, so they cannot drift apart.
public indirect enum Shape: Sendable {
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
    /// A mapping whose keys come from `keys`, each mapped to `value`.
    case keyed(keys: [String], value: Shape)
}

/// One key of an object.
public struct Field: Sendable {
    public var name: String
    public var shape: Shape
    public var required: Bool
    /// Filled in when the key is absent (nil: absent stays absent).
    public var defaultValue: ConfigValue?
    /// What the key means, for the reference and the schema.
    public var doc: String

    public init(_ name: String, _ shape: Shape, required: Bool = false, default defaultValue: ConfigValue? = nil, _ doc: String) {
        self.name = name
        self.shape = shape
        self.required = required
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// Format v1.
public enum ScenarioSchema {
    public static let version = 1

    package static let delayFields: [Field] = [
        Field("search", .delay, default: .duration(0), "after reading the count in search (the tutorial's first sleep)"),
        Field("write", .delay, default: .duration(0), "after deciding to buy, before writing (the tutorial's second sleep)"),
        Field("truncate", .delay, default: .duration(0), "in-place writes only: between truncating the file and writing the new text"),
        Field("start", .delay, default: .duration(0), "stagger after the start barrier, before the first step"),
    ]

    /// The top-level keys of a scenario; the sweep keys (`matrix`, …) come from `SweepSchema`.
    public static let root: Shape = .object(scenarioFields + SweepSchema.fields(sweeping: scenarioFields), shorthand: nil)

    /// The keys of one plain scenario: what a sweep cell is.
    package static let scenarioFields: [Field] = [
        Field("name", .text(nonEmpty: true), required: true, "unique within one run; the JUnit testsuite name"),
        Field("description", .text(nonEmpty: false), "free text, shown in reports"),
        Field("tickets", .integer(min: 0, max: nil), required: true, "the initial {\"count\": N}"),
        Field("buyers", .object([
            Field("count", .integer(min: 1, max: 100_000), required: true, "how many buyer processes to fork"),
            Field("name", .text(nonEmpty: true), default: .text("buyer-{n}"), "name template; {n} is the 1-based buyer index"),
            Field("wants", .integer(min: 1, max: 1_000_000), default: .int(1), "tickets each buyer tries to get: one search+purchase task each, stopping at sold-out"),
        ], shorthand: "count"), required: true, "the buyers; a bare number is {count: N}"),
        Field("delays", .object(delayFields, shorthand: nil), default: .object([:]), "waits inside each task; each defaults to 0"),
        Field("time_scale", .positiveNumber, default: .number(1), "multiplies every delay"),
        Field("storage", .object([
            Field("kind", .choice(StorageKind.allCases.map(\.rawValue)), default: .text("json"), "the storage format"),
            Field("path", .relativePath, default: .text("db.json"), "relative to the trial's fresh work folder; may not leave it"),
            Field("write", .choice(WriteMode.allCases.map(\.rawValue)), default: .text(WriteMode.inPlace.rawValue),
                  WriteMode.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
        ], shorthand: nil), default: .object([:]), "where the tickets are stored"),
        Field("lock", .object([
            Field("mode", .choice(LockMode.allCases.map(\.rawValue)), default: .text(LockMode.none.rawValue),
                  LockMode.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
            Field("scope", .choice(LockScope.allCases.map(\.rawValue)), default: .text(LockScope.purchase.rawValue),
                  LockScope.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
            Field("retries", .integer(min: 0, max: 1_000_000), default: .int(100),
                  "optimistic: how many times one task may start its purchase again after a version conflict; running out is an error outcome"),
        ], shorthand: "mode"), default: .object([:]), "the concurrency control; a bare word is {mode: WORD}"),
        Field("trials", SweepSchema.trials, default: .object(["count": .int(1)]),
              "independent repetitions, fresh storage each: a number, or {until: {rate_below: 1%, confidence: 95%}, max: N}"),
        Field("seed", .integer(min: 0, max: nil), "fixes every random draw; default: a random seed, always recorded in the report"),
        Field("timeout", .duration, default: .duration(60_000_000_000), "per trial; buyers still running then are killed and reported"),
        Field("faults", .uniqueList(FaultSchema.item), default: .list([]),
              "kill or stall buyers right after a step: {kill: {buyers: [N] | probability: P, at: STEP, limit: N}} or {stall: {..., for: DURATION}}"),
        Field("invariants", .uniqueList(.choice(Invariant.allCases.map(\.rawValue))),
              default: .list(Invariant.allCases.map { .text($0.rawValue) }), "the invariants to judge (default: all)"),
        Field("expect", .keyed(keys: Invariant.allCases.map(\.rawValue), value: .choice(Expectation.allCases.map(\.rawValue))),
              default: .object([:]), "per invariant: hold (default: in every trial) or violated (in at least one trial)"),
    ]
}
