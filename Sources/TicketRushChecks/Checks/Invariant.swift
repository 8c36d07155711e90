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
        }
    }
}
