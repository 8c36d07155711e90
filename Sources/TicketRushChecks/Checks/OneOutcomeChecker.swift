import TicketRushModel
/// one-outcome: every task of every buyer ends with exactly one of bought / sold-out / error.
public struct OneOutcomeChecker: Checker {
    public let invariant = Invariant.oneOutcome
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        var problems: [String] = []
        let ops = h.operations
        for op in ops where op.outcomeCount != 1 {
            problems.append("\(h.name(op.buyer)) task \(op.task + 1): \(op.outcomeCount) outcomes")
        }
        // A buyer that ended its tasks early must have stopped at sold-out.
        var tasksSeen = [Int](repeating: 0, count: h.buyerCount)
        var stoppedAtSoldOut = [Bool](repeating: false, count: h.buyerCount)
        for op in ops where op.buyer < h.buyerCount {
            tasksSeen[op.buyer] += 1
            if op.outcome?.kind == .soldOut { stoppedAtSoldOut[op.buyer] = true }
        }
        for buyer in 0..<h.buyerCount where tasksSeen[buyer] < h.wants && !stoppedAtSoldOut[buyer] {
            problems.append("\(h.name(buyer)): \(tasksSeen[buyer]) of \(h.wants) tasks have an outcome")
        }
        if problems.isEmpty { return holds("\(plural(ops.count, "task")), one outcome each") }
        return violated("\(plural(problems.count, "task")) without exactly one outcome", [listed(problems)], severity: problems.count)
    }
}
