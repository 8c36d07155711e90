import TicketRushModel

/// one-outcome: every task of every buyer ends with exactly one of bought / sold-out / error.
public struct OneOutcomeChecker: Checker {
    public let invariant = Invariant.oneOutcome
    /// Counts outcomes per task: a line that names no buyer cannot be counted.
    public var needsAttribution: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let ops = h.operations
        let miscounted = ops.filter { $0.outcomeCount != 1 }.map { Evidence.TaskCount(task: $0.ref, outcomes: $0.outcomeCount) }
        // A buyer that ended its tasks early must have stopped at sold-out.
        var tasksSeen = [Int](repeating: 0, count: h.buyerCount)
        var stoppedAtSoldOut = [Bool](repeating: false, count: h.buyerCount)
        for op in ops where op.buyer < h.buyerCount {
            tasksSeen[op.buyer] += 1
            if op.outcome?.kind == .soldOut { stoppedAtSoldOut[op.buyer] = true }
        }
        let unfinished = (0..<h.buyerCount).filter { tasksSeen[$0] < h.wants && !stoppedAtSoldOut[$0] }
            .map { Evidence.BuyerTasks(buyer: $0, withOutcome: tasksSeen[$0], wants: h.wants) }
        let evidence = Evidence.outcomes(tasks: ops.count, miscounted: miscounted, unfinished: unfinished)
        if miscounted.isEmpty && unfinished.isEmpty { return result(.holds, evidence, h) }
        return result(.violated, evidence, blamed: miscounted.map(\.task), h)
    }
}
