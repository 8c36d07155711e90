import TicketRushModel

/// all-finished: every buyer exited 0 on its own before the timeout.
public struct AllFinishedChecker: Checker {
    public let invariant = Invariant.allFinished
    /// Exit statuses come from waitpid and the timeout from the runner's clock.
    public var ignoresEvents: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let unclean = h.exits.enumerated().filter { !$0.element.isCleanExit }.map { Evidence.BuyerEnd(buyer: $0.offset, exit: $0.element) }
        let evidence = Evidence.exits(buyers: h.buyerCount, unclean: unclean, timedOut: h.timedOut, durationNs: h.durationNs)
        return result(h.timedOut || !unclean.isEmpty ? .violated : .holds, evidence, h)
    }
}
