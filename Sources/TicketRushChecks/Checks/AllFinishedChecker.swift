import TicketRushModel
/// all-finished: every buyer exited 0 on its own before the timeout.
public struct AllFinishedChecker: Checker {
    public let invariant = Invariant.allFinished
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        var problems: [String] = []
        for (buyer, exit) in h.exits.enumerated() where !exit.isCleanExit {
            problems.append("\(h.name(buyer)) \(exit.description)")
        }
        if h.timedOut {
            return violated("timed out after \(formatMillis(h.durationNs)): \(plural(problems.count, "buyer")) did not finish",
                            [listed(problems)], severity: max(problems.count, 1))
        }
        if problems.isEmpty { return holds("\(plural(h.buyerCount, "buyer")) exited 0") }
        return violated("\(plural(problems.count, "buyer")) did not exit cleanly", [listed(problems)], severity: problems.count)
    }
}
