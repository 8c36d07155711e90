/// A fault the runner injects: kill or stall chosen buyers right after a step.
public struct Fault: Sendable, Equatable, Codable {
    /// What the runner does to a buyer that reached the step.
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

    public var action: Action
    public var target: Target
    /// The step after which the fault lands.
    public var at: EventKind
    /// At most this many buyers per trial: the first to reach the step (nil: no limit).
    public var limit: Int?

    public init(_ action: Action, _ target: Target, at: EventKind, limit: Int? = nil) {
        self.action = action
        self.target = target
        self.at = at
        self.limit = limit
    }

    /// One line as the scenario writes it: `kill buyers [3] at lock.acquired`.
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
        text += " at \(at.name)"
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
