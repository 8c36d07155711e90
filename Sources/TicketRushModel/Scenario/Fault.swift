/// A fault the runner injects: kill or stall chosen buyers right after a step, or at a
/// time offset from the start barrier.
public struct Fault: Sendable, Equatable {
    /// What the runner does to a buyer the fault hits.
    public enum Action: Sendable, Equatable, Codable {
        /// SIGKILL.
        case kill
        /// SIGSTOP for this long (before `time_scale`), then SIGCONT.
        case stall(Int64)

        public var name: String {
            switch self {
            case .kill: return "kill"
            case .stall: return "stall"
            }
        }
    }

    /// Which buyers the fault hits in a trial.
    public enum Target: Sendable, Equatable, Codable {
        /// These buyers, 0-based.
        case buyers([Int])
        /// Each buyer independently with this probability, drawn from the trial seed.
        case probability(Double)
    }

    /// When the fault lands on a buyer it hits.
    public enum Moment: Sendable, Equatable {
        /// Right after the buyer reports this step (the first time): `at: STEP`.
        case step(EventKind)
        /// This many nanoseconds (before `time_scale`) after the start barrier opens: `after: DURATION`.
        case after(Int64)
    }

    /// How a `fault.kill` or `fault.stall` event landed: its `aux` (docs/events.md).
    public enum Landing: Int32, Sendable, CaseIterable {
        /// The built-in buyer stopped itself right after the step: nothing happened in between.
        case step = 0
        /// A program buyer's line for the step arrived: the program ran on for that moment.
        case arrival = 1
        /// At a time offset: wherever the buyer was.
        case offset = 2

        public var name: String {
            switch self {
            case .step: return "step"
            case .arrival: return "arrival"
            case .offset: return "offset"
            }
        }
    }

    public var action: Action
    public var target: Target
    public var moment: Moment
    /// At most this many buyers per trial: the first to reach the step (nil: no limit).
    /// Only with a step: at a time offset every chosen buyer is hit at once.
    public var limit: Int?

    public init(_ action: Action, _ target: Target, at: EventKind, limit: Int? = nil) {
        self.action = action
        self.target = target
        self.moment = .step(at)
        self.limit = limit
    }

    /// A fault at a time offset: `ns` (before `time_scale`) after the start barrier opens.
    public init(_ action: Action, _ target: Target, afterNs ns: Int64) {
        self.action = action
        self.target = target
        self.moment = .after(ns)
        self.limit = nil
    }

    /// The step the fault lands after, or nil for a time offset.
    public var at: EventKind? {
        if case .step(let kind) = moment { return kind }
        return nil
    }

    /// The time offset (nanoseconds before `time_scale`), or nil for a step.
    public var afterNs: Int64? {
        if case .after(let ns) = moment { return ns }
        return nil
    }

    /// One line as the scenario writes it: `kill buyers [3] at lock.acquired`, `stall buyers [1] for 50ms after 150ms`.
    public var summary: String {
        var text: String
        switch action {
        case .kill: text = "kill"
        case .stall(let ns): text = "stall \(DurationText.format(ns))"
        }
        switch target {
        case .buyers(let list): text += " buyers [\(list.map { String($0 + 1) }.joined(separator: ", "))]"
        case .probability(let p): text += " probability \(p)"
        }
        switch moment {
        case .step(let kind): text += " at \(kind.name)"
        case .after(let ns): text += " after \(DurationText.format(ns))"
        }
        if let limit { text += " limit \(limit)" }
        return text
    }

    /// True when this fault (the `index`th of its scenario) hits `buyer` in the trial seeded `seed`.
    public func hits(buyer: Int, index: Int, seed: UInt64) -> Bool {
        switch target {
        case .buyers(let list):
            return list.contains(buyer)
        case .probability(let p):
            let h = Seed.mix(Seed.mix(seed, 0xFA_0000 &+ UInt64(index)), UInt64(buyer))
            return Double(h >> 11) / Double(UInt64(1) << 53) < p
        }
    }
}

/// Records written before time offsets existed keep decoding: a step is `at`, an offset `afterNs`.
extension Fault: Codable {
    private enum CodingKeys: String, CodingKey { case action, target, at, afterNs, limit }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.decode(Action.self, forKey: .action)
        target = try c.decode(Target.self, forKey: .target)
        if let ns = try c.decodeIfPresent(Int64.self, forKey: .afterNs) {
            moment = .after(ns)
        } else {
            moment = .step(try c.decode(EventKind.self, forKey: .at))
        }
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(action, forKey: .action)
        try c.encode(target, forKey: .target)
        switch moment {
        case .step(let kind): try c.encode(kind, forKey: .at)
        case .after(let ns): try c.encode(ns, forKey: .afterNs)
        }
        try c.encodeIfPresent(limit, forKey: .limit)
    }
}
