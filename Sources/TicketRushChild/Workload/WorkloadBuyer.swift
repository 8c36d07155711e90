#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// A buyer of a workload (docs/workloads.md): each task is one transaction — begin, the
/// reads (each reported with the version tag it saw), at most one write or insert (with
/// the tag it installs), commit — retried as a new transaction after the engine rolls it
/// back. Reports the purchase story too (bought / sold-out / error), with the seat, the
/// customer or the rows seen in `value`.
package struct WorkloadBuyer {
    package let index: Int
    package let plan: TrialPlan
    package let workload: Workload
    package let store: any WorkloadStore
    package let lock: any BuyerLock
    package let sink: EventSink
    package var gate: Gate?
    /// The engine is the concurrency control (row-lock, atomic, transaction, advisory): no buyer lock.
    package let engineRuns: Bool
    /// Writes this buyer attempted: the next tag's n (docs/events.md, version tags).
    private var writes = 0
    private var holding = false

    package init(index: Int, plan: TrialPlan, workload: Workload, store: any WorkloadStore, lock: any BuyerLock,
                 sink: EventSink, engineRuns: Bool) {
        self.index = index
        self.plan = plan
        self.workload = workload
        self.store = store
        self.lock = lock
        self.sink = sink
        self.engineRuns = engineRuns
    }

    /// What a task's attempt came to.
    enum Attempt: Equatable {
        case bought(Int64)
        case soldOut(Int64)
        case retry(RetryReason)
        case error(ErrorReason, code: Int64)
    }

    package mutating func run() {
        MonotonicClock.sleep(ns: plan.delayNs(.start, buyer: index, task: 0))
        sink.emit(.start, task: 0)
        let tasks = workload.tasks(wants: plan.wants)
        for task in 0..<tasks {
            gate?.task = task
            let outcome = purchase(task)
            switch outcome {
            case .bought(let v): sink.emit(.bought, task: task, value: v)
            case .soldOut(let v): sink.emit(.soldOut, task: task, value: v)
            case .error(let reason, let code): sink.emit(.error, task: task, value: code, aux: reason.rawValue)
            case .retry: break
            }
            releaseLock(task)
            // A taken seat leaves the others; a customer at its limit or full rows stay so.
            if case .soldOut = outcome, workload.kind != .seats {
                sink.emit(.done, task: task)
                return
            }
        }
        sink.emit(.done, task: tasks - 1)
    }

    /// One task, its attempts until one is not rolled back (or the retries run out).
    private mutating func purchase(_ task: Int) -> Attempt {
        var retries = 0
        while true {
            let result = attempt(task)
            guard case .retry(let reason) = result else { return result }
            retries += 1
            if retries > plan.retries { return .error(.retriesExhausted, code: 0) }
            sink.emit(.storeRetry, task: task, value: Int64(retries), aux: reason.rawValue)
        }
    }

    /// One transaction: the attempt's outcome, its events reported.
    private mutating func attempt(_ task: Int) -> Attempt {
        if plan.scope != .write, let failed = acquire(task) { return failed }
        if case let stop? = check(store.begin(), task) { return stop }
        if plan.lockMode == .atomic { return conditional(task) }
        let decision = readAll(task)
        guard case .ok(let key, let newValue, let story) = decision else {
            if case .stop(let stop) = decision { return stop }
            if case let stop? = check(store.commit(), task) { return stop }
            sink.emit(.txnCommit, task: task)
            return .soldOut(storyValue(task))
        }
        MonotonicClock.sleep(ns: plan.delayNs(.write, buyer: index, task: task))
        if plan.scope == .write, let failed = acquire(task) { return failed }
        writes += 1
        let tag = Workload.tag(buyer: index, n: writes)
        let pause = plan.delayNs(.truncate, buyer: index, task: task)
        sink.emit(.purchaseWrite, task: task, value: Int64(newValue))
        let status: WorkloadStatus
        if workload.kind == .rows {
            sink.emit(.rowInsert, task: task, value: Int64(index + 1), aux: Int32(truncatingIfNeeded: tag), key: 1)
            status = store.insert(holder: index + 1, tag: tag, pause: { MonotonicClock.sleep(ns: pause) })
        } else {
            sink.emit(.keyWrite, task: task, value: Int64(newValue), aux: Int32(truncatingIfNeeded: tag), key: key)
            status = store.write(key: key, value: newValue, tag: tag, pause: { MonotonicClock.sleep(ns: pause) })
        }
        if case let stop? = check(status, task) { return stop }
        if case let stop? = check(store.commit(), task) { return stop }
        sink.emit(.txnCommit, task: task)
        return .bought(story)
    }

    /// What the reads decided: write `value` to `key` (rows: insert), nothing (sold out), or stop.
    enum Decision {
        case ok(key: Int, value: Int, story: Int64)
        case unavailable
        case stop(Attempt)
    }

    /// The task's reads, each reported with the tag it saw.
    private mutating func readAll(_ task: Int) -> Decision {
        switch workload {
        case .seats:
            let key = workload.seat(seed: plan.seed, buyer: index, task: task) + 1
            let (status, owner, tag) = store.read(key: key)
            if case let stop? = check(status, task) { return .stop(stop) }
            sink.emit(.keyRead, task: task, value: Int64(owner), aux: Int32(truncatingIfNeeded: tag), key: key)
            sink.emit(.purchaseRead, task: task, value: Int64(owner))
            return owner == 0 ? .ok(key: key, value: index + 1, story: Int64(key - 1)) : .unavailable
        case .limit(let sections, let limit, _):
            let customer = workload.customer(seed: plan.seed, buyer: index)
            let mine = workload.key(customer: customer, section: workload.section(seed: plan.seed, buyer: index))
            var total = 0
            var own = 0
            for s in 0..<sections {
                let key = workload.key(customer: customer, section: s)
                let (status, count, tag) = store.read(key: key)
                if case let stop? = check(status, task) { return .stop(stop) }
                sink.emit(.keyRead, task: task, value: Int64(count), aux: Int32(truncatingIfNeeded: tag), key: key)
                total += count
                if key == mine { own = count }
            }
            sink.emit(.purchaseRead, task: task, value: Int64(total))
            return total < limit ? .ok(key: mine, value: own + 1, story: Int64(customer)) : .unavailable
        case .rows(let capacity):
            let (status, count) = store.countRows()
            if case let stop? = check(status, task) { return .stop(stop) }
            sink.emit(.predicateRead, task: task, value: Int64(count), key: 1)
            for r in 0..<count {
                let (status, tag) = store.rowTag(r)
                if case let stop? = check(status, task) { return .stop(stop) }
                sink.emit(.predicateRow, task: task, value: Int64(tag), key: 1)
            }
            sink.emit(.purchaseRead, task: task, value: Int64(count))
            return count < capacity ? .ok(key: 1, value: count + 1, story: Int64(count + 1)) : .unavailable
        }
    }

    /// The story value of a sold-out: the seat, the customer, or the capacity reached.
    private func storyValue(_ task: Int) -> Int64 {
        switch workload {
        case .seats: return Int64(workload.seat(seed: plan.seed, buyer: index, task: task))
        case .limit: return Int64(workload.customer(seed: plan.seed, buyer: index))
        case .rows(let capacity): return Int64(capacity)
        }
    }

    /// `atomic`: the one conditional statement.
    private mutating func conditional(_ task: Int) -> Attempt {
        writes += 1
        let tag = Workload.tag(buyer: index, n: writes)
        let purchase: ConditionalPurchase
        var key = 1
        var story: Int64
        switch workload {
        case .seats:
            story = Int64(workload.seat(seed: plan.seed, buyer: index, task: task))
            key = Int(story) + 1
            purchase = .seat(key: key, owner: index + 1)
        case .limit(_, let limit, _):
            let customer = workload.customer(seed: plan.seed, buyer: index)
            key = workload.key(customer: customer, section: workload.section(seed: plan.seed, buyer: index))
            story = Int64(customer)
            purchase = .limit(key: key, customer: customer, limit: limit)
        case .rows(let capacity):
            story = Int64(capacity)
            purchase = .row(holder: index + 1, capacity: capacity)
        }
        sink.emit(.purchaseWrite, task: task, value: story)
        let (status, applied) = store.conditional(purchase, tag: tag)
        if case let stop? = check(status, task) { return stop }
        if applied {
            if workload.kind == .rows {
                sink.emit(.rowInsert, task: task, value: Int64(index + 1), aux: Int32(truncatingIfNeeded: tag), key: 1)
            } else {
                sink.emit(.keyWrite, task: task, value: Int64(index + 1), aux: Int32(truncatingIfNeeded: tag), key: key)
            }
        }
        sink.emit(.txnCommit, task: task)
        return applied ? .bought(story) : .soldOut(story)
    }

    /// nil when `status` is ok; else the transaction ended (rolled back, reported) and how.
    private mutating func check(_ status: WorkloadStatus, _ task: Int) -> Attempt? {
        switch status {
        case .ok: return nil
        case .retry(let reason):
            store.rollback()
            sink.emit(.txnAbort, task: task, aux: reason.rawValue)
            releaseLock(task)
            return .retry(reason)
        case .torn(let bytes):
            store.rollback()
            sink.emit(.purchaseTorn, task: task, value: Int64(bytes))
            sink.emit(.txnAbort, task: task)
            return .error(.tornRead, code: 0)
        case .failed(let code):
            store.rollback()
            if plan.engine != nil { sink.emit(.storeError, task: task, value: code) }
            sink.emit(.txnAbort, task: task)
            return plan.engine != nil ? .error(.engine, code: 0) : .error(.io, code: code)
        }
    }

    /// Takes the buyer's lock (file locks only), reporting the wait; the failure if it could not.
    private mutating func acquire(_ task: Int) -> Attempt? {
        guard !engineRuns, plan.lockMode.excludes, !holding else { return nil }
        sink.emit(.lockWait, task: task)
        let code: Int32
        if let gate { code = gate.acquire(lock) } else { code = lock.acquire() }
        guard code == 0 || code == EOWNERDEAD else { return .error(.lock, code: Int64(code)) }
        holding = true
        sink.emit(.lockAcquired, task: task)
        if code == EOWNERDEAD { sink.emit(.lockRecovered, task: task) }
        return nil
    }

    private mutating func releaseLock(_ task: Int) {
        guard holding else { return }
        gate?.pass(.release)
        _ = lock.release()
        holding = false
        sink.emit(.lockReleased, task: task)
    }
}
