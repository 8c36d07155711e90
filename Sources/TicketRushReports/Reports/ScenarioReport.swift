import TicketRushModel
import TicketRushChecks
/// A scenario's whole run: every trial summarised, every invariant judged.
package struct ScenarioReport: Sendable {
    package var scenario: Scenario
    package var seed: UInt64
    package var trials: [TrialRecord]
    package var invariants: [InvariantReport]
    /// `thresholds:`, judged on the cell's measured numbers.
    package var thresholds: [ThresholdReport] = []
    package var durationNs: UInt64
    /// Wall-clock start, seconds since 1970, for the report's timestamp.
    package var startedAt: Double

    /// Every expectation's status: invariants, then thresholds.
    package var statuses: [InvariantReport.Status] { invariants.map(\.status) + thresholds.map(\.status) }

    /// True when no expectation failed: every one met, or (in a shard) pending the merge.
    /// The statuses that count as expectations: not applicable and skipped are neither met nor failed.
    package var judged: [InvariantReport.Status] { statuses.filter { $0 != .notApplicable && $0 != .skipped } }

    /// Not applicable (no-torn-read on a database) and skipped (engine missing) fail nothing.
    package var passed: Bool { statuses.allSatisfy { $0 == .met || $0 == .pending || $0 == .notApplicable || $0 == .skipped } }

    /// Why the scenario did not run (its engine is not installed), or nil.
    package var skipReason: String? { invariants.first?.skipReason }

    /// PASS, FAIL (some expectation unmet), UNKNOWN (only undetermined), PENDING (a shard's
    /// cell with nothing failed but something only the merge can judge).
    package var mark: String {
        let s = statuses
        if s.contains(.unmet) { return "FAIL" }
        if s.contains(.undetermined) { return "UNKNOWN" }
        if skipReason != nil { return "SKIP" }
        return s.contains(.pending) ? "PENDING" : "PASS"
    }

    /// The schedule string of a controlled trial (nil under timing).
    package func schedule(ofTrial trial: Int) -> String? { trials.first { $0.trial == trial }?.schedule }

    /// Under a controlled schedule: what the exploration covered and found.
    package var exploration: ScheduleSummary? { trials.last { $0.exploration != nil }?.exploration }

    /// The coverage, the counterexample's replay command and the shrunk story, as lines.
    package var explorationLines: [String] {
        guard let x = exploration else { return [] }
        var out = [x.statement]
        // A search stopped short says, in every format, what its holds are worth.
        if let stopped = invariants.lazy.compactMap(\.stoppedSearch).first,
           invariants.contains(where: { $0.expectation == .hold && $0.violated == 0 && $0.unknown == 0 }) {
            out.append(stopped.stop.setByScenario
                ? "\(stopped.holdsText), not in every interleaving: the search stopped at \(stopped.by)"
                : "no hold judged: the search stopped at \(stopped.by) after \(plural(stopped.explored, "schedule")), before covering every interleaving")
        }
        if x.complete == true, invariants.contains(where: { $0.expectation == .hold && $0.violated == 0 }) {
            out.append(scenario.program?.control == .syscalls && ["postgres", "redis"].contains(scenario.storage.kind.rawValue)
                ? "holds means: in every interleaving of the bounded space, a step being one statement a buyer sends to the server (a Query, a batch up to its Sync, a Redis command)"
                : scenario.program?.control == .syscalls
                ? "holds means: in every interleaving of the bounded space, a step being one held system call on the store's files (open, read, write, lock …)"
                : scenario.program != nil
                ? "holds means: in every interleaving of the bounded space, a step being a program's code from one report to the next (lock.wait before each lock)"
                : "holds means: in every interleaving of the bounded space at gate granularity (try-lock model)")
        }
        if let command = x.replayCommand { out.append("counterexample: \(command)") }
        if let shrunk = x.shrunk { out.append("shrunk to \(shrunk):") }
        out += x.story ?? []
        if let command = x.shrunkCommand { out.append("replay the shrunk story: \(command)") }
        return out
    }
}
