#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// One buyer's steps as a small state machine that reports every step as an event.
///
/// This and what it calls are the only code that runs in a forked child.
package struct Buyer {
    /// Where the buyer is between two steps.
    package enum Phase: Equatable {
        case starting
        case searching
        case purchasing
        case writing(newCount: Int)
        case finishing(Outcome)
        case done
    }

    /// How a task ended.
    package enum Outcome: Equatable {
        case bought(Int)
        case soldOut
        case error(ErrorReason, code: Int32)
    }

    package let index: Int
    package let plan: TrialPlan
    package let store: any TicketStore
    package let lock: any BuyerLock
    package let sink: EventSink
    package private(set) var phase = Phase.starting
    package private(set) var task = 0
    private var holding = false
    /// Optimistic: the version the transaction began at (nil: do not check).
    private var expectedVersion: Int?
    /// Optimistic: retries of the current task so far.
    private var retries = 0
    /// Under a controlled schedule: where the buyer waits for the runner before each visible step.
    package var gate: Gate?
    /// Writes of the counter so far: the n of its version tags, (index + 1) * 1024 + n.
    private var writes = 0
    /// The store reports versions: the purchase is reported as a transaction (docs/events.md).
    private var reportsTxns: Bool { store.tracksVersions }

    package init(index: Int, plan: TrialPlan, store: any TicketStore, lock: any BuyerLock, sink: EventSink) {
        self.index = index
        self.plan = plan
        self.store = store
        self.lock = lock
        self.sink = sink
    }

    /// Runs every step to the end.
    package mutating func run() {
        while phase != .done { step() }
    }

    /// Performs one step and moves to the next phase.
    package mutating func step() {
        gate?.task = task
        switch phase {
        case .starting:
            MonotonicClock.sleep(ns: plan.delayNs(.start, buyer: index, task: 0))
            sink.emit(.start, task: 0)
            phase = .searching
        case .searching:
            phase = search()
        case .purchasing:
            phase = purchase()
        case .writing(let newCount):
            phase = write(newCount)
        case .finishing(let outcome):
            phase = finish(outcome)
        case .done:
            break
        }
    }

    private mutating func search() -> Phase {
        if plan.scope == .task, let failure = acquire() { return .finishing(failure) }
        gate?.pass(.read)
        switch store.read() {
        case .count(let count):
            sink.emit(.searchRead, task: task, value: Int64(count))
            if plan.scope == .task { expectedVersion = store.version }
        case .torn(let bytes):
            sink.emit(.searchTorn, task: task, value: Int64(bytes))
            return .finishing(.error(.tornRead, code: 0))
        case .failed(let code):
            return .finishing(failure(code))
        }
        MonotonicClock.sleep(ns: plan.delayNs(.search, buyer: index, task: task))
        return .purchasing
    }

    private mutating func purchase() -> Phase {
        if plan.scope == .purchase, let failure = acquire() { return .finishing(failure) }
        gate?.pass(.read)
        switch store.read() {
        case .count(let count) where count > 0:
            sink.emit(.purchaseRead, task: task, value: Int64(count))
            if reportsTxns { sink.emit(.keyRead, task: task, value: Int64(count), aux: Int32(truncatingIfNeeded: store.version)) }
            if plan.scope == .purchase { expectedVersion = store.version }
            MonotonicClock.sleep(ns: plan.delayNs(.write, buyer: index, task: task))
            return .writing(newCount: count - 1)
        case .count(let count):
            sink.emit(.purchaseRead, task: task, value: Int64(count))
            if reportsTxns {
                // Nothing to write: the read-only transaction ends here.
                sink.emit(.keyRead, task: task, value: Int64(count), aux: Int32(truncatingIfNeeded: store.version))
                sink.emit(.txnCommit, task: task)
            }
            return .finishing(.soldOut)
        case .torn(let bytes):
            sink.emit(.purchaseTorn, task: task, value: Int64(bytes))
            return .finishing(.error(.tornRead, code: 0))
        case .failed(let code):
            return .finishing(failure(code))
        }
    }

    private mutating func write(_ newCount: Int) -> Phase {
        if plan.scope == .write, let failure = acquire() { return .finishing(failure) }
        let pause = plan.delayNs(.truncate, buyer: index, task: task)
        let (sink, task) = (self.sink, self.task)
        // With scope `write` the transaction starts here: nothing to check (the classic mistake).
        let expected = plan.scope == .write ? nil : expectedVersion
        let txns = reportsTxns
        var tag: Int32 = 0
        if txns {
            writes += 1
            tag = Int32(truncatingIfNeeded: (index + 1) * 1024 + writes)
            store.installTag = Int(tag)
        }
        let result = lock.commit(store, count: newCount, expected: expected,
                                 report: { kind in
                                     if kind == .keyWrite {
                                         if txns { sink.emit(.keyWrite, task: task, value: Int64(newCount), aux: tag) }
                                     } else {
                                         sink.emit(kind, task: task, value: kind == .purchaseWrite ? Int64(newCount) : 0)
                                     }
                                 },
                                 pause: { MonotonicClock.sleep(ns: pause) })
        return settle(result, newCount: newCount)
    }

    /// The phase after a commit; reports how the transaction ended (a failed write may or
    /// may not have landed: no outcome, so the checker says unknown).
    private mutating func settle(_ result: CommitResult, newCount: Int) -> Phase {
        let txns = reportsTxns
        switch result {
        case .written(let code):
            if code == 0, txns { sink.emit(.txnCommit, task: task) }
            return .finishing(code == 0 ? .bought(newCount) : .error(.io, code: code))
        case .conflict(let seen):
            if txns { sink.emit(.txnAbort, task: task, aux: RetryReason.conflict.rawValue) }
            retries += 1
            if retries > plan.retries { return .finishing(.error(.retriesExhausted, code: 0)) }
            sink.emit(.purchaseRetry, task: task, value: Int64(retries), aux: Int32(truncatingIfNeeded: seen))
            // Start the transaction again where it began.
            return plan.scope == .task ? .searching : .purchasing
        case .retry(let reason):
            if txns { sink.emit(.txnAbort, task: task, aux: reason.rawValue) }
            retries += 1
            if retries > plan.retries { return .finishing(.error(.retriesExhausted, code: 0)) }
            sink.emit(.storeRetry, task: task, value: Int64(retries), aux: reason.rawValue)
            // The engine rolled the transaction back: it begins again with the next acquire.
            if holding {
                _ = lock.release()
                holding = false
                sink.emit(.lockReleased, task: task)
            }
            return plan.scope == .task ? .searching : .purchasing
        case .decremented(let count):
            return .finishing(.bought(count))
        case .soldOut:
            return .finishing(.soldOut)
        case .failed(let engineCode):
            sink.emit(.storeError, task: task, value: engineCode)
            return .finishing(.error(.engine, code: 0))
        }
    }

    /// A failed read: an engine's error (reported with its code), else an errno.
    private func failure(_ code: Int32) -> Outcome {
        guard let engineCode = store.engineError else { return .error(.io, code: code) }
        sink.emit(.storeError, task: task, value: engineCode)
        return .error(.engine, code: 0)
    }

    private mutating func finish(_ outcome: Outcome) -> Phase {
        switch outcome {
        case .bought(let count): sink.emit(.bought, task: task, value: Int64(count))
        case .soldOut: sink.emit(.soldOut, task: task)
        case .error(let reason, let code): sink.emit(.error, task: task, value: Int64(code), aux: reason.rawValue)
        }
        if holding {
            gate?.pass(.release)
            _ = lock.release()
            holding = false
            sink.emit(.lockReleased, task: task)
        }
        task += 1
        retries = 0
        expectedVersion = nil
        if outcome == .soldOut || task == plan.wants {
            sink.emit(.done, task: task - 1)
            return .done
        }
        return .searching
    }

    /// Takes the lock, reporting the wait; returns the failure outcome if it could not.
    private mutating func acquire() -> Outcome? {
        guard plan.lockMode.excludes else { return nil }
        sink.emit(.lockWait, task: task)
        let code: Int32
        if let gate { code = gate.acquire(lock) } else { code = lock.acquire() }
        guard code == 0 || code == EOWNERDEAD else { return .error(.lock, code: code) }
        holding = true
        sink.emit(.lockAcquired, task: task)
        if code == EOWNERDEAD { sink.emit(.lockRecovered, task: task) }
        return nil
    }
}
