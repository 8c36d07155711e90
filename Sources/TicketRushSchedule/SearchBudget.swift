import TicketRushModel

/// How long a controlled search may run, and why it stopped short: a pure value, given the
/// monotonic clock's readings, so the rule is tested without processes.
public struct SearchBudget: Sendable {
    public let config: ScheduleConfig
    private let deadline: UInt64?

    /// The budget of a search of `config` started at `now` (nanoseconds, monotonic).
    public init(_ config: ScheduleConfig, now: UInt64) {
        self.config = config
        // A replay is one schedule: nothing to bound.
        deadline = config.replay == nil ? config.effectiveTimeBudgetNs.map { now &+ UInt64(max($0, 0)) } : nil
    }

    /// True once no new schedule may start.
    public func expired(now: UInt64) -> Bool { deadline.map { now >= $0 } ?? false }

    /// What stopped the search short, or nil when it covered its space (exhaustive) or ran
    /// every planned schedule (random, pct).
    public func stop(timedOut: Bool, exhaustiveComplete: Bool?) -> SearchStop? {
        if timedOut { return config.timeBudgetNs != nil ? .time : .defaultTime }
        if exhaustiveComplete == false { return config.runs != nil ? .runs : .defaultCap }
        return nil
    }
}
