import TicketRushModel
import TicketRushChecks
/// A scenario's whole run: every trial summarised, every invariant judged.
public struct ScenarioReport: Sendable {
    public var scenario: Scenario
    public var seed: UInt64
    public var trials: [TrialRecord]
    public var invariants: [InvariantReport]
    /// `thresholds:`, judged on the cell's measured numbers.
    public var thresholds: [ThresholdReport] = []
    public var durationNs: UInt64
    /// Wall-clock start, seconds since 1970, for the report's timestamp.
    public var startedAt: Double

    /// Every expectation's status: invariants, then thresholds.
    public var statuses: [InvariantReport.Status] { invariants.map(\.status) + thresholds.map(\.status) }

    /// True when no expectation failed: every one met, or (in a shard) pending the merge.
    public var passed: Bool { statuses.allSatisfy { $0 == .met || $0 == .pending } }

    /// PASS, FAIL (some expectation unmet), UNKNOWN (only undetermined), PENDING (a shard's
    /// cell with nothing failed but something only the merge can judge).
    public var mark: String {
        let s = statuses
        if s.contains(.unmet) { return "FAIL" }
        if s.contains(.undetermined) { return "UNKNOWN" }
        return s.contains(.pending) ? "PENDING" : "PASS"
    }
}
