#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel

/// The life of a forked buyer: set up, wait at the barrier, run, `_exit`. Never returns.
package enum BuyerProcess {
    package static func run(index: Int, plan: TrialPlan, eventFd: Int32, barrierFd: Int32) -> Never {
        tr_reset_signal_handlers()
        let sink = EventSink(fd: eventFd, buyer: index, trigger: plan.stops[index].map(FaultTrigger.init(kinds:)))
        // The buyer's own handles, opened after fork so each has its own open file description.
        let lock = plan.lockMode.makeLock(plan.lockContext, buyer: index)
        let lockOpen = lock.open()
        let store = JSONFileStore(path: plan.storagePath, mode: plan.writeMode, tag: index)

        var byte: UInt8 = 0
        while read(barrierFd, &byte, 1) < 0, errno == EINTR {}
        close(barrierFd)
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
