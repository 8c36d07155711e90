import TicketRushModel
import TicketRushChecks

/// One threshold judged on a cell's measured numbers: an expectation like an invariant's.
package struct ThresholdReport: Sendable {
    package var threshold: Threshold
    /// The measured value (ns for durations); nil when the cell measured nothing to judge
    /// (no purchase for latency, no lock acquisition for lock.wait.p95).
    package var measured: Double?
    /// The trials are one shard's: percentiles and rates of part of the run decide nothing.
    package var partial = false
    /// The cell did not run (its engine is not installed).
    package var skipped = false

    package init(threshold: Threshold, measured: Double?, partial: Bool = false) {
        self.threshold = threshold
        self.measured = measured
        self.partial = partial
    }

    /// `thresholds.latency.p99`: the key it is written at, and its testcase name.
    package var key: String { "thresholds.\(threshold.metric.rawValue)" }

    /// `threshold latency.p99 < 50ms`.
    package var name: String { "threshold \(threshold.metric.rawValue) \(threshold.condition)" }

    package var status: InvariantReport.Status {
        if skipped { return .skipped }
        if partial { return .pending }
        guard let measured else { return .undetermined }
        return threshold.holds(measured) ? .met : .unmet
    }

    /// `latency.p99 12.5ms < 50ms: met`.
    package var summary: String {
        let m = threshold.metric.rawValue
        switch status {
        case .pending: return "\(m) is judged at merge over every shard's trials"
        case .skipped, .notApplicable: return "\(m): not judged: the cell did not run (its engine is not installed)"
        case .undetermined:
            return "\(m): nothing measured (\(threshold.metric == .lockWaitP95 ? "no lock wait" : "no purchase")), so \(threshold.condition) is not decided"
        case .met, .unmet:
            let value = measured.map(threshold.format) ?? "?"
            return "\(m) was \(value), \(status == .met ? "meets" : "does not meet") \(threshold.condition)"
        }
    }

    /// Every threshold of a cell, from its aggregate numbers.
    static func judge(_ scenario: Scenario, latency: Percentiles?, throughput: Double, sold: Int, trials: [TrialRecord], partial: Bool) -> [ThresholdReport] {
        scenario.thresholds.map { t in
            let measured: Double?
            switch t.metric {
            case .latencyP50: measured = latency.map { Double($0.p50) }
            case .latencyP90: measured = latency.map { Double($0.p90) }
            case .latencyP99: measured = latency.map { Double($0.p99) }
            case .latencyMax: measured = latency.map { Double($0.max) }
            case .purchasesPerSecond: measured = trials.isEmpty ? nil : throughput
            case .lockWaitP95:
                let waits = trials.flatMap { ($0.lockWaitsNs ?? []) + ($0.censoredWaitsNs ?? []) }
                measured = Percentiles(waits).map { Double($0.p95) }
            case .retriesPerPurchase:
                let retries = trials.reduce(0) { $0 + ($1.retries ?? 0) }
                measured = sold == 0 ? (retries == 0 && !trials.isEmpty ? 0 : nil) : Double(retries) / Double(sold)
            }
            return ThresholdReport(threshold: t, measured: measured, partial: partial)
        }
    }
}
