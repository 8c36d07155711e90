/// A checker's judgement of one trial.
public enum Verdict: String, Sendable, Codable, Comparable {
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

