/// A k6-style gate on a measured number of a cell (`thresholds: {latency.p99: "< 50ms"}`):
/// an expectation like an invariant's, judged on all trials of the cell together.
public struct Threshold: Sendable, Codable, Equatable {
    /// What can be gated: the cell's statistics as the reports print them.
    public enum Metric: String, Sendable, Codable, CaseIterable {
        case latencyP50 = "latency.p50"
        case latencyP90 = "latency.p90"
        case latencyP99 = "latency.p99"
        case latencyMax = "latency.max"
        case purchasesPerSecond = "purchases_per_second"
        case lockWaitP95 = "lock.wait.p95"
        case retriesPerPurchase = "retries_per_purchase"

        /// Durations take a unit (`50ms`); the others are plain numbers.
        public var isDuration: Bool {
            switch self {
            case .latencyP50, .latencyP90, .latencyP99, .latencyMax, .lockWaitP95: return true
            case .purchasesPerSecond, .retriesPerPurchase: return false
            }
        }

        public var summary: String {
            switch self {
            case .latencyP50, .latencyP90, .latencyP99, .latencyMax:
                return "purchase latency (first event of a task to bought), nearest rank over the cell's purchases"
            case .purchasesPerSecond: return "purchases per second of trial time, over the cell"
            case .lockWaitP95: return "95th percentile of the waits for the lock, per acquisition; a wait cut off by a timeout or a death counts with its length so far"
            case .retriesPerPurchase: return "optimistic retries (purchase.retry events) per purchase, over the cell"
            }
        }
    }

    public enum Comparison: String, Sendable, Codable, CaseIterable {
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    public var metric: Metric
    public var comparison: Comparison
    /// Nanoseconds for a duration metric, else the plain number.
    public var value: Double

    public static let defaultThresholds: [Threshold] = []

    public init(metric: Metric, comparison: Comparison, value: Double) {
        self.metric = metric
        self.comparison = comparison
        self.value = value
    }

    /// `< 50ms`, `> 100`: the comparison as the format writes it (durations as `DurationText`).
    public var condition: String {
        "\(comparison.rawValue) \(metric.isDuration ? DurationText.format(Int64(value)) : formatNumber(value))"
    }

    /// A measured value (ns for durations) in the metric's unit.
    public func format(_ measured: Double) -> String {
        if metric.isDuration { return formatNumber(measured / 1e6) + "ms" }
        return formatNumber(measured)
    }

    /// True when `measured` meets the threshold.
    public func holds(_ measured: Double) -> Bool {
        switch comparison {
        case .less: return measured < value
        case .lessOrEqual: return measured <= value
        case .greater: return measured > value
        case .greaterOrEqual: return measured >= value
        }
    }

    /// Parses `"< 50ms"` for `metric`; the error says what a comparison looks like.
    public static func parse(_ text: String, metric: Metric) -> Result<Threshold, ParseError> {
        let trimmed = text.trimmingSpaces
        var comparison: Comparison?
        var rest = Substring(trimmed)
        for c in [Comparison.lessOrEqual, .greaterOrEqual, .less, .greater] where rest.hasPrefix(c.rawValue) {
            comparison = c
            rest = rest.dropFirst(c.rawValue.count)
            break
        }
        let example = metric.isDuration ? "\"< 50ms\"" : "\"> 100\""
        guard let comparison else {
            return .failure(ParseError(description: "must be a comparison such as \(example) (<, <=, > or >= and a \(metric.isDuration ? "duration" : "number")), got '\(text)'"))
        }
        let operand = String(rest).trimmingSpaces
        if metric.isDuration {
            guard let ns = DurationText.parse(operand) else {
                return .failure(ParseError(description: "must compare with a duration such as \(example) (\"250ms\", \"40us\", \"1s\"), got '\(operand)'"))
            }
            return .success(Threshold(metric: metric, comparison: comparison, value: Double(ns)))
        }
        guard let number = Double(operand), number.isFinite, number >= 0 else {
            return .failure(ParseError(description: "must compare with a plain number >= 0 such as \(example), got '\(operand)'"))
        }
        return .success(Threshold(metric: metric, comparison: comparison, value: number))
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }
}

/// A number as short as it is exact enough: `100`, `0.5`, `12.345`.
package func formatNumber(_ v: Double) -> String {
    var text = fixed(v, places: 3)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
