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
        case .serializable, .snapshotIsolation, .repeatableRead, .readCommitted,
             .g0, .g1a, .g1b, .g1c, .lostUpdate, .gSingle, .g2Item, .g2:
            return AnomalyChecker(self)
        }
    }
}
