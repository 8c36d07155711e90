import TicketRushModel
/// A verdict with its evidence: a summary and the facts behind it.
public struct CheckResult: Sendable, Equatable {
    public var invariant: Invariant
    public var verdict: Verdict
    /// One line: what happened.
    public var summary: String
    /// The facts behind it, a line each (first counterexample first).
    public var details: [String]
    /// How bad it was, for picking the worst trial (e.g. tickets oversold).
    public var severity: Int

    public init(invariant: Invariant, verdict: Verdict, summary: String, details: [String] = [], severity: Int = 0) {
        self.invariant = invariant
        self.verdict = verdict
        self.summary = summary
        self.details = details
        self.severity = severity
    }
}

/// Judges one invariant on one trial's history: a pure function.
public protocol Checker: Sendable {
    var invariant: Invariant { get }
    func check(_ history: TrialHistory) throws -> CheckResult
}

extension Checker {
    /// Runs the checker; one that throws yields `unknown`, never a crash.
    public func judge(_ history: TrialHistory) -> CheckResult {
        do {
            return try check(history)
        } catch {
            return CheckResult(invariant: invariant, verdict: .unknown, summary: "checker failed: \(error)")
        }
    }

    package func holds(_ summary: String) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .holds, summary: summary)
    }

    package func unknown(_ summary: String, _ details: [String] = []) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .unknown, summary: summary, details: details)
    }

    package func violated(_ summary: String, _ details: [String] = [], severity: Int) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .violated, summary: summary, details: details, severity: severity)
    }
}

