import TicketRushModel
/// One buyer task as an operation: an invocation and how it completed.
///
/// As in a Jepsen history, `ok` and `fail` are definite; `info` is indeterminate:
/// the buyer died (or errored after starting its write), so whether the write
/// landed cannot be told from the log.
public struct BuyerOperation: Sendable, Equatable {
    public enum Completion: String, Sendable {
        case ok, fail, info
    }

    public var buyer: Int
    public var task: Int
    /// Time of the task's first event.
    public var invokeNs: UInt64
    /// Time of the outcome event, if there was one.
    public var completeNs: UInt64?
    public var completion: Completion
    /// The outcome event, if the buyer reported one.
    public var outcome: Event?
    /// True when the buyer reported `purchase.write` in this task.
    public var startedWrite: Bool
    /// Number of outcome events the task had (one-outcome wants exactly 1).
    public var outcomeCount: Int

    /// The task this operation is.
    public var ref: TaskRef { TaskRef(buyer: buyer, task: task) }

    /// Pairs each (buyer, task)'s events into an operation.
    package static func pair(_ events: [Event], wants: Int) -> [BuyerOperation] {
        var byKey: [Int: BuyerOperation] = [:]
        var order: [Int] = []
        var lastKind: [Int: EventKind] = [:]
        let stride = max(wants, 1) + 1
        for event in events where event.kind != .start && event.kind != .done {
            let key = event.buyer * stride + min(event.task, stride - 1)
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = BuyerOperation(
                    buyer: event.buyer, task: event.task, invokeNs: event.tNs, completeNs: nil,
                    completion: .info, outcome: nil, startedWrite: false, outcomeCount: 0)
            }
            guard var op = byKey[key] else { continue }
            if event.kind == .purchaseWrite { op.startedWrite = true }
            // A retry follows a conflict or an engine rollback: that attempt's write did not stay.
            if event.kind == .purchaseRetry || event.kind == .storeRetry { op.startedWrite = false }
            // A fault at the step stops a built-in buyer right after it reports purchase.write,
            // before the write itself: killed there, it is known not to have written. A kill at
            // a time offset, or on a program's line, may have come after the write began.
            if event.kind == .faultKill, event.aux == Fault.Landing.step.rawValue, lastKind[key] == .purchaseWrite {
                op.startedWrite = false
            }
            lastKind[key] = event.kind
            if event.kind.isOutcome {
                op.outcomeCount += 1
                if op.outcome == nil {
                    op.outcome = event
                    op.completeNs = event.tNs
                    op.completion = Self.completion(of: event, startedWrite: op.startedWrite)
                }
            }
            byKey[key] = op
        }
        return order.compactMap { byKey[$0] }
    }

    private static func completion(of event: Event, startedWrite: Bool) -> Completion {
        switch event.kind {
        case .bought: return .ok
        case .soldOut: return .fail
        // Out of retries: the last attempt, too, ended in a conflict or a rollback.
        case .error where event.reason == .retriesExhausted: return .fail
        // An error after the write began may or may not have changed the document.
        default: return startedWrite ? .info : .fail
        }
    }
}
