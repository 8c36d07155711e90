#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines
import TicketRushProcess

/// The life of a forked workload buyer (`BuyerProcess` for a `workload:`): its store and
/// lock opened after fork, the barrier (or, under control, the first gate), `WorkloadBuyer`,
/// `_exit`. Never returns.
package enum WorkloadProcess {
    /// `gateFd` >= 0: under a controlled schedule (JSON only), every visible step waits for a grant.
    package static func run(index: Int, plan: TrialPlan, eventFd: Int32, barrierFd: Int32, runner: pid_t = 0, gateFd: Int32 = -1) -> Never {
        tr_reset_signal_handlers()
        guard let workload = plan.workload else { _exit(3) }
        let stops = plan.stops.isEmpty ? nil : plan.stops[index]
        let sink = EventSink(fd: eventFd, buyer: index, trigger: stops.map(FaultTrigger.init(kinds:)))
        let gate = gateFd >= 0 ? Gate(fd: gateFd, sink: EventSink(fd: eventFd, buyer: index)) : nil
        let engineRuns = plan.engine != nil && plan.lockMode.traits.engineRuns
        let store: any WorkloadStore
        if let target = plan.engine, let backend = target.backend {
            store = backend.connectWorkload(target, mode: engineRuns ? plan.lockMode : .none, buyer: index, workload: workload)
        } else {
            let rows = max(plan.buyerCount, 1) * max(plan.wants, 1)
            let document = WorkloadDocument(file: plan.storageFile, mode: plan.writeMode, keys: workload.keyCount, maxRows: rows, tag: index)
            document.gate = gate
            store = JSONWorkloadStore(document: document)
        }
        let lock: any BuyerLock = engineRuns ? NoLock() : plan.lockMode.makeLock(plan.lockContext, buyer: index)
        let lockOpen = lock.open()
        if gate == nil {
            if !Barrier.wait(barrierFd) { _exit(3) }
            close(barrierFd)
            if runner != 0, !Sys.dieWithParent(runner) { _exit(3) }
        }
        plan.allocProbe?.arm()
        if lockOpen != 0 {
            sink.emit(.start, task: 0)
            for task in 0..<plan.wants { sink.emit(.error, task: task, value: Int64(lockOpen), aux: ErrorReason.lock.rawValue) }
            sink.emit(.done, task: plan.wants - 1)
            _exit(0)
        }
        var buyer = WorkloadBuyer(index: index, plan: plan, workload: workload, store: store, lock: lock, sink: sink, engineRuns: engineRuns)
        buyer.gate = gate
        buyer.run()
        plan.allocProbe?.report()
        _exit(0)
    }
}
