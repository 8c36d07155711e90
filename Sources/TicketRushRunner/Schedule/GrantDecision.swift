import TicketRushModel
import TicketRushSchedule

/// One step of a controlled schedule's loop, the same for built-in buyers and protocol
/// programs: from the parked buyers' ops and the lock model, who is enabled; then the
/// strategy's choice, checked. The runners differ only in how they grant and settle.
enum GrantDecision {
    /// Grant `buyer`'s step `op`; `enabled` is what the strategy chose from.
    case grant(buyer: Int, op: GateOp, enabled: [Int])
    /// Nobody is enabled: every buyer finished, or (`deadlocked`) some wait forever.
    case finished(deadlocked: Bool, waitFor: String?)
    /// The strategy abandoned the schedule (already covered).
    case abandoned
    case failed(RunnerError)

    static func next(ops: [GateOp?], lock: LockModel, names: [String], index: Int, last: Int?,
                     choose: (SchedulePoint) throws(ScheduleDivergence) -> Int?) -> GrantDecision {
        let enabled = lock.enabled(ops)
        if enabled.isEmpty {
            let parked = ops.contains { $0 != nil }
            // DPOR learns from the blocked buyers' next steps; the answer does not matter.
            if parked { _ = try? choose(SchedulePoint(index: index, enabled: [], ops: ops, last: last)) }
            return .finished(deadlocked: parked, waitFor: parked ? lock.waitFor(ops, names: names) : nil)
        }
        let chosen: Int?
        do {
            chosen = try choose(SchedulePoint(index: index, enabled: enabled, ops: ops, last: last))
        } catch {
            return .failed(error.uncontrolled ? RunnerError.diverged(error.description) : RunnerError.schedule(error.description))
        }
        guard let b = chosen else { return .abandoned }
        guard enabled.contains(b), let op = ops[b] else {
            return .failed(RunnerError.schedule("the strategy chose buyer \(b + 1), which is not enabled at grant \(index + 1)"))
        }
        return .grant(buyer: b, op: op, enabled: enabled)
    }
}
