#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// The Wilson score interval of a binomial proportion: sound at 0 and n successes,
/// where the textbook normal interval collapses to a point.
public struct Proportion: Sendable, Equatable {
    public var successes: Int
    public var trials: Int

    public init(_ successes: Int, of trials: Int) {
        self.successes = successes
        self.trials = trials
    }

    /// successes / trials (0 with no trials).
    public var rate: Double { trials == 0 ? 0 : Double(successes) / Double(trials) }

    /// The two-sided interval at `confidence` (0.95): (lower, upper); (0, 1) with no trials.
    public func wilson(confidence: Double = 0.95) -> (lower: Double, upper: Double) {
        guard trials > 0 else { return (0, 1) }
        let z = NormalQuantile.z(twoSided: confidence)
        let n = Double(trials), p = rate, z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        // At 0 and n the bound is exact in closed form; clamp away rounding dust.
        let lower = successes == 0 ? 0 : max(0, centre - half)
        let upper = successes == trials ? 1 : min(1, centre + half)
        return (lower, upper)
    }

    /// What the count is worth, for reports: "0 in 300 trials: rate below 1.3% at 95%",
    /// or "7 in 10 trials: rate 70.0%, 95% CI 39.7%–89.2%".
    public func statement(confidence: Double = 0.95) -> String {
        "\(successes) in \(plural(trials, "trial")): \(bound(confidence: confidence))"
    }

    /// The statement without the count: "rate below 1.3% at 95%".
    public func bound(confidence: Double = 0.95) -> String {
        let (lower, upper) = wilson(confidence: confidence)
        let level = percent(confidence, places: 0)
        if successes == 0 { return "rate below \(percent(upper)) at \(level)" }
        return "rate \(percent(rate)), \(level) CI \(percent(lower))–\(percent(upper))"
    }
}

/// `1.3%`: a fraction as a percentage with `places` decimals.
public func percent(_ fraction: Double, places: Int = 1) -> String {
    fixed(fraction * 100, places: places) + "%"
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
public enum NormalQuantile {
    /// z such that P(-z < Z < z) = confidence: 1.959964 for 0.95.
    public static func z(twoSided confidence: Double) -> Double {
        quantile(1 - (1 - confidence) / 2)
    }

    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -quantile(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
