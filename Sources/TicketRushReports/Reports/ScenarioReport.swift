import TicketRushModel
import TicketRushChecks
/// A scenario's whole run: every trial summarised, every invariant judged.
public struct ScenarioReport: Sendable {
    public var scenario: Scenario
    public var seed: UInt64
    public var trials: [TrialRecord]
    public var invariants: [InvariantReport]
    public var durationNs: UInt64
    /// Wall-clock start, seconds since 1970, for the report's timestamp.
    public var startedAt: Double

    /// True when every expectation was met.
    public var passed: Bool { invariants.allSatisfy { $0.status == .met || $0.status == .notApplicable || $0.status == .skipped } }

    /// Why the scenario did not run (its engine is not installed), or nil.
    public var skipReason: String? { invariants.first?.skipReason }
}
