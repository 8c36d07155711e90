#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines

/// Under a controlled schedule, where a buyer stops before each visible step: it reports
/// the step (`gate`, value = the op) and blocks reading one byte from its own gate pipe.
/// EOF means the runner is gone (or ended the schedule): the buyer exits at once.
/// Made before the barrier; nothing here allocates.
package final class Gate {
    package let fd: Int32
    package let sink: EventSink
    /// The task the buyer is on, kept current by the buyer for the events it reports.
    package var task = 0

    package init(fd: Int32, sink: EventSink) {
        self.fd = fd
        self.sink = sink
    }

    /// Reports `op` and waits for the runner's grant.
    package func pass(_ op: GateOp, retry: Int32 = 0) {
        sink.emit(.gate, task: task, value: op.rawValue, aux: retry)
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 { return }
            if n < 0, errno == EINTR { continue }
            _exit(4)
        }
    }

    /// Takes `lock` without ever blocking in the kernel: a grant, then one try; a busy
    /// lock (the runner's model disagreed) is reported and the buyer parks again.
    package func acquire(_ lock: any BuyerLock) -> Int32 {
        var retry: Int32 = 0
        while true {
            pass(.acquire, retry: retry)
            let code = lock.tryAcquire()
            if code != EBUSY { return code }
            sink.emit(.gateBlocked, task: task, value: 0, aux: retry)
            retry += 1
        }
    }
}

extension BuyerProcess {
    /// A buyer under a controlled schedule: like `run`, but its first gate is the barrier
    /// and every visible step waits for a grant on `gateFd`. Never returns.
    ///
    /// `warm` (docs/schedules.md, "Warm buyers"): after its schedule the buyer does not exit;
    /// it waits on its gate, and a byte starts the next schedule of the cell from the state a
    /// fresh fork has (a new store handle and buyer; the lock handle, free again, is kept).
    /// EOF ends it. The runner sends that byte only after every buyer finished and the
    /// document was written afresh.
    package static func runControlled(index: Int, plan: TrialPlan, eventFd: Int32, gateFd: Int32, warm: Bool = false) -> Never {
        if plan.workload != nil { WorkloadProcess.run(index: index, plan: plan, eventFd: eventFd, barrierFd: -1, gateFd: gateFd) }
        tr_reset_signal_handlers()
        let sink = EventSink(fd: eventFd, buyer: index)
        let gate = Gate(fd: gateFd, sink: sink)
        let lock = plan.lockMode.makeLock(plan.lockContext, buyer: index)
        let lockOpen = lock.open()
        (lock as? OptimisticLock)?.gate = gate
        var schedule = 0
        repeat {
            gate.task = 0
            runSchedule(index: index, plan: plan, sink: sink, gate: gate, lock: lock, lockOpen: lockOpen, schedule: schedule)
            schedule += 1
        } while warm && gate.awaitNext()
        _exit(0)
    }

    /// One schedule from the buyer's start to `done`; set-up (the store) before the first
    /// gate, nothing allocated after it.
    private static func runSchedule(index: Int, plan: TrialPlan, sink: EventSink, gate: Gate, lock: any BuyerLock, lockOpen: Int32,
                                    schedule: Int) {
        if lockOpen != 0 {
            sink.emit(.start, task: 0)
            for task in 0..<plan.wants {
                sink.emit(.error, task: task, value: Int64(lockOpen), aux: ErrorReason.lock.rawValue)
            }
            sink.emit(.done, task: plan.wants - 1)
            return
        }
        let store = JSONFileStore(file: plan.storageFile, mode: plan.writeMode, tag: index)
        store.gate = gate
        var buyer = Buyer(index: index, plan: plan, store: store, lock: lock, sink: sink)
        buyer.gate = gate
        // The first gate is the barrier: from here on, nothing allocates.
        plan.allocProbe?.arm()
        buyer.run()
        plan.allocProbe?.report(schedule: schedule)
    }
}

extension Gate {
    /// A warm buyer between schedules: true when the runner starts the next one, false at EOF.
    func awaitNext() -> Bool {
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 { return true }
            if n < 0, errno == EINTR { continue }
            return false
        }
    }
}
