import TicketRushModel

/// all-finished: every buyer exited 0 on its own before the timeout.
public struct AllFinishedChecker: Checker {
    public let invariant = Invariant.allFinished
    /// Exit statuses come from waitpid and the timeout from the runner's clock (events only
    /// add why an exec failed to the text).
    public var ignoresEvents: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        // A command that could not be run says why (the errno travels in the event's value).
        var execFailed: [Int: Event] = [:]
        for e in h.events where e.reason == .execFailed && execFailed[e.buyer] == nil { execFailed[e.buyer] = e }
        let unclean = h.exits.enumerated().filter { !$0.element.isCleanExit }.map {
            Evidence.BuyerEnd(buyer: $0.offset, exit: $0.element, cause: execFailed[$0.offset])
        }
        let evidence = Evidence.exits(buyers: h.buyerCount, unclean: unclean, timedOut: h.timedOut, durationNs: h.durationNs)
        return result(h.timedOut || !unclean.isEmpty ? .violated : .holds, evidence, h)
    }
}
