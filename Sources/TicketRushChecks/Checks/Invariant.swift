import TicketRushModel


extension Invariant {
    /// The checker that judges this invariant.
    public var checker: any Checker {
        switch self {
        case .noOversell: return NoOversellChecker()
        case .conservation: return ConservationChecker()
        case .oneOutcome: return OneOutcomeChecker()
        case .noTornRead: return NoTornReadChecker()
        case .allFinished: return AllFinishedChecker()
        case .noUndersell: return NoUndersellChecker()
        case .noDeadlock: return NoDeadlockChecker()
        case .noDoubleBooking: return NoDoubleBookingChecker()
        case .customerLimit: return CustomerLimitChecker()
        case .capacity: return CapacityChecker()
        // Session cases are judged by SessionCaseRunner, where the runs are; on buyers, by the anomaly checker.
        case .noAnomaly: return SessionOnlyChecker(invariant: .noAnomaly)
        case .serializable, .snapshotIsolation, .repeatableRead, .readCommitted,
             .g0, .g1a, .g1b, .g1c, .lostUpdate, .gSingle, .g2Item, .g2:
            return AnomalyChecker(self)
        }
    }
}

/// The session cases' invariants on a buyer history: session cases are judged by replay
/// (SessionCaseRunner), where the runs are; a buyer history has no statements to judge.
struct SessionOnlyChecker: Checker {
    var invariant: Invariant

    func check(_ h: TrialHistory) -> CheckResult {
        CheckResult(invariant: invariant, verdict: .unknown,
                    evidence: .notApplicable("\(invariant.rawValue) is judged on session cases (sessions:), not on buyers"), name: h.name)
    }
}
