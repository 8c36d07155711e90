#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines
import TicketRushProcess

/// The life of a forked buyer: set up, wait at the barrier, run, `_exit`. Never returns.
package enum BuyerProcess {
    /// `runner`: for a buyer a helper forked (docs/architecture.md, "Who forks whom"), the
    /// runner's pid. Such a buyer cannot set PR_SET_PDEATHSIG at fork (its parent, the
    /// helper, exits before the barrier, which would kill it); the runner opens the barrier
    /// only after reaping every helper, so by then the buyer is the runner's child
    /// (subreaper). Right after the barrier it sets the death signal and checks `getppid()`.
    package static func run(index: Int, plan: TrialPlan, eventFd: Int32, barrierFd: Int32, kit: BuyerKit? = nil,
                            runner: pid_t = 0) -> Never {
        if plan.workload != nil { WorkloadProcess.run(index: index, plan: plan, eventFd: eventFd, barrierFd: barrierFd, runner: runner) }
        tr_reset_signal_handlers()
        // Most trials have no faults: skip the dictionary's hashing code in every buyer.
        let stops = plan.stops.isEmpty ? nil : plan.stops[index]
        let sink = EventSink(fd: eventFd, buyer: index, trigger: stops.map(FaultTrigger.init(kinds:)), record: kit?.record)
        // The buyer's own handles, opened after fork so each has its own open file description.
        // A database engine: the buyer's own connection, which is also its lock in the engine's modes.
        let engine = plan.engine.map { EngineStore.connect($0, mode: plan.lockMode, buyer: index) }
        let lock = engine.flatMap { $0.isLock ? $0.lock : nil } ?? kit?.lock ?? plan.lockMode.makeLock(plan.lockContext, buyer: index)
        let lockOpen = lock.open()
        kit?.store.retag(index)
        let store = engine?.store ?? kit?.store ?? JSONFileStore(file: plan.storageFile, mode: plan.writeMode, tag: index)

        // A barrier that opened without the runner's byte opened because the runner died:
        // never start the race then (Barrier.wait says why getppid() cannot tell).
        if !Barrier.wait(barrierFd) { _exit(3) }
        close(barrierFd)
        if runner != 0, !Sys.dieWithParent(runner) { _exit(3) }
        plan.allocProbe?.arm()

        if lockOpen != 0 {
            // No lock, no safe purchase: every task ends in a lock error.
            sink.emit(.start, task: 0)
            for task in 0..<plan.wants {
                sink.emit(.error, task: task, value: Int64(lockOpen), aux: ErrorReason.lock.rawValue)
            }
            sink.emit(.done, task: plan.wants - 1)
            plan.allocProbe?.report()
            _exit(0)
        }
        var buyer = Buyer(index: index, plan: plan, store: store, lock: lock, sink: sink)
        buyer.run()
        plan.allocProbe?.report()
        _exit(0)
    }
}
