#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChecks
import TicketRushProcess

/// Every buyer runs at once: collect until every pipe is at EOF, or a reason to stop them
/// (the deadline, an interrupt, too many events); faults are the launcher's to service.
struct TimingPacer: Pacer {
    var gated: Bool { false }

    mutating func pace(_ l: any Launcher, startNs: UInt64, deadline: UInt64) throws -> TrialEnd {
        while !l.finished {
            let now = MonotonicClock.now()
            if let reason = TrialRunner.stopReason(now: now, deadline: deadline, interrupt: tr_interrupted(), overflowed: l.overflowed) {
                switch reason {
                case .timeout: return TrialEnd(stop: true, timedOut: true)
                case .interrupted(let signal): return TrialEnd(stop: true, interrupted: signal)
                case .overflow: return TrialEnd(stop: true)
                }
            }
            l.tend(now: now)
            if l.finished { break }
            let wakeAt = TrialRunner.wakeAt(deadline: deadline, faultWake: l.nextWake(now: now))
            l.poll(timeoutMs: Teardown.pollTimeoutMs(now: now, wakeAt: wakeAt, capMs: l.pollCapMs), deadline: deadline)
        }
        return TrialEnd(stop: false)
    }

    func outcome(_ history: TrialHistory?) -> TrialHistory? { history }
}
