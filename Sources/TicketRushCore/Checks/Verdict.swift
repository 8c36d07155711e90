/// A checker's judgement of one trial.
public enum Verdict: String, Sendable, Comparable {
    case holds
    /// The log cannot tell (a buyer died mid-write, the final document is unreadable, ...).
    case unknown
    case violated

    /// Worse verdicts sort later: composing checkers takes the maximum.
    private var rank: Int {
        switch self {
        case .holds: return 0
        case .unknown: return 1
        case .violated: return 2
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

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

    func holds(_ summary: String) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .holds, summary: summary)
    }

    func unknown(_ summary: String, _ details: [String] = []) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .unknown, summary: summary, details: details)
    }

    func violated(_ summary: String, _ details: [String] = [], severity: Int) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .violated, summary: summary, details: details, severity: severity)
    }
}

/// Lists at most `limit` items and says how many more there were.
func listed(_ items: [String], limit: Int = 5) -> String {
    let shown = items.prefix(limit).joined(separator: ", ")
    return items.count > limit ? "\(shown), … (\(items.count - limit) more)" : shown
}

/// "1 ticket" / "3 tickets".
func plural(_ n: Int, _ word: String) -> String {
    "\(n) \(word)\(n == 1 ? "" : "s")"
}
