/// What one trial came to, kept small so thousands of trials fit.
public struct TrialSummary: Sendable {
    public var trial: Int
    public var seed: UInt64
    public var sold: Int
    public var finalRead: StoreRead
    public var tornReads: Int
    public var durationNs: UInt64
    public var timedOut: Bool
    public var results: [CheckResult]
}

/// A scenario's whole run: every trial summarised, every invariant judged.
public struct ScenarioReport: Sendable {
    public var scenario: Scenario
    public var seed: UInt64
    public var trials: [TrialSummary]
    public var invariants: [InvariantReport]
    public var durationNs: UInt64
    /// Wall-clock start, seconds since 1970, for the report's timestamp.
    public var startedAt: Double

    /// True when every expectation was met.
    public var passed: Bool { invariants.allSatisfy { $0.status == .met } }
}
