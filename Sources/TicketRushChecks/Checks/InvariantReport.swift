import TicketRushModel
/// One invariant judged over all trials of a scenario, against its expectation.
public struct InvariantReport: Sendable {
    /// Whether the expectation was met.
    public enum Status: String, Sendable {
        case met
        /// The invariant did the opposite of what was expected.
        case unmet
        /// Some trials were unknown and none decided the expectation.
        case undetermined
        /// The invariant does not apply to the storage (no-torn-read on a database).
        case notApplicable = "not-applicable"
        /// The scenario did not run: its engine is not installed (`skipReason`).
        case skipped
        /// A shard's trials alone cannot decide it: a `violated` expectation not seen in
        /// this shard may be met by a trial in another one. Judged at `merge`.
        case pending
    }

    /// A trial's result, kept as evidence.
    public struct Example: Sendable {
        public var trial: Int
        public var seed: UInt64
        public var result: CheckResult
    }

    public var invariant: Invariant
    public var expectation: Expectation
    public var trials = 0
    public var violated = 0
    public var unknown = 0
    /// Trials where the invariant did not apply.
    public var notApplicable = 0
    /// Why the scenario did not run (its engine is missing), or nil.
    public var skipReason: String?
    /// The first violating (else unknown) trial, and the worst violating one.
    public var first: Example?
    public var worst: Example?
    /// The first trial's result, for a passing summary.
    public var sample: Example?
    /// The trials are one shard's (`run --shard`): what only the whole run can decide
    /// (a `violated` expectation not seen here) is `pending`, never `unmet`.
    public var partial = false
    /// The cell's controlled search stopped short of its space: a hold claims only what it
    /// explored (StoppedSearch).
    public var stoppedSearch: StoppedSearch?

    public init(invariant: Invariant, expectation: Expectation) {
        self.invariant = invariant
        self.expectation = expectation
    }

    /// Adds one trial's result.
    public mutating func add(_ result: CheckResult, trial: Int, seed: UInt64) {
        trials += 1
        let example = Example(trial: trial, seed: seed, result: result)
        if sample == nil { sample = example }
        if result.notApplicable {
            notApplicable += 1
            return
        }
        switch result.verdict {
        case .holds: break
        case .unknown:
            unknown += 1
            if first == nil { first = example }
        case .violated:
            violated += 1
            if first == nil || first!.result.verdict != .violated { first = example }
            if worst == nil || result.severity > worst!.result.severity { worst = example }
        }
    }

    public var status: Status {
        if skipReason != nil { return .skipped }
        if trials > 0, notApplicable == trials { return .notApplicable }
        switch expectation {
        case .hold:
            if violated > 0 { return .unmet }
            if unknown > 0 { return .undetermined }
            // Stopped by a default bound, the search proves nothing of what it did not run.
            if let stoppedSearch, !stoppedSearch.stop.setByScenario { return .undetermined }
            return .met
        case .violated:
            if violated > 0 { return .met }
            if partial { return .pending }
            return unknown > 0 ? .undetermined : .unmet
        }
    }

    /// The violation rate with its 95% Wilson interval.
    public var rate: Proportion { Proportion(violated, of: trials) }

    /// "rate below 1.3% at 95%" / "rate 70.0% (95% CI 39.7%–89.2%)".
    public var rateText: String { rate.bound() }

    /// One line: what was seen against what was expected.
    public var summary: String {
        if let skipReason { return "skipped: \(skipReason)" }
        if status == .notApplicable { return sample.map(\.result.summary) ?? "not applicable" }
        if expectation == .hold, violated == 0, unknown == 0, let stoppedSearch { return stoppedSearch.holdSummary }
        switch (expectation, status) {
        case (.hold, .met):
            return "held in \(trials) of \(trials) trials (\(rateText))" + (sample.map { ": \($0.result.summary)" } ?? "")
        case (.hold, _):
            return "violated in \(violated) of \(trials) trials, unknown in \(unknown) (\(rateText))"
                + (first.map { "; first in trial \($0.trial + 1): \($0.result.summary)" } ?? "")
        case (.violated, .pending):
            return "not violated in this shard's \(plural(trials, "trial"))" + (unknown > 0 ? " (unknown in \(unknown))" : "")
                + ": judged at merge, since the violation may be in another shard"
        case (.violated, .met):
            return "violated as expected in \(violated) of \(trials) trials (\(rateText))"
                + (worst.map { "; worst trial \($0.trial + 1): \($0.result.summary)" } ?? "")
        case (.violated, _):
            return "expected a violation in at least one of \(trials) trials, but it held in \(trials - unknown)"
                + (unknown > 0 ? " and was unknown in \(unknown)" : "")
        }
    }
}
