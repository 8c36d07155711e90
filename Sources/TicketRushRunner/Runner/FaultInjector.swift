#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Carries out a scenario's faults in one trial. Before the fork it decides which buyers
/// each fault hits (probabilities drawn from the trial seed, so a seed replays the same
/// faults); those buyers stop themselves (SIGSTOP) right after the targeted step, and the
/// runner, seeing the stop, kills them or lets them continue after the stall.
package struct FaultInjector {
    package let faults: [Fault]
    package let timeScale: Double
    /// buyer → step → index of the fault that lands there (the first listed wins).
    package private(set) var plan: [Int: [EventKind: Int]] = [:]
    /// How many buyers each fault has hit so far (for `limit`).
    private var performed: [Int]
    /// Stalled buyers and when to let them go on.
    private var resumeAt: [Int: UInt64] = [:]
    /// Buyers the runner killed.
    package private(set) var killed: Set<Int> = []
    /// What the runner did, as events for the log.
    package private(set) var events: [Event] = []

    package init(faults: [Fault], buyers: Int, seed: UInt64, timeScale: Double) {
        self.faults = faults
        self.timeScale = timeScale
        performed = Array(repeating: 0, count: faults.count)
        for (index, fault) in faults.enumerated() {
            for buyer in 0..<buyers where fault.hits(buyer: buyer, index: index, seed: seed) {
                if plan[buyer]?[fault.at] == nil { plan[buyer, default: [:]][fault.at] = index }
            }
        }
    }

    /// True when some buyer will stop for a fault: the runner must watch for stops.
    package var isActive: Bool { !plan.isEmpty }

    /// What each buyer's trigger stops at.
    package var stops: [Int: [EventKind]] { plan.mapValues { Array($0.keys) } }

    /// Acts on `buyer` (process `pid`), stopped right after its event `last`.
    package mutating func stopped(buyer: Int, pid: pid_t, last: Event?, now: UInt64) {
        guard let last, let index = plan[buyer]?[last.kind], resumeAt[buyer] == nil else {
            kill(pid, SIGCONT)  // not a stop we asked for: never leave a buyer frozen
            return
        }
        plan[buyer]?[last.kind] = nil
        let fault = faults[index]
        if let limit = fault.limit, performed[index] >= limit {
            kill(pid, SIGCONT)
            return
        }
        performed[index] += 1
        switch fault.action {
        case .kill:
            kill(pid, SIGKILL)
            killed.insert(buyer)
            events.append(Event(tNs: now, buyer: buyer, task: last.task, kind: .faultKill, value: Int64(SIGKILL)))
        case .stall(let ns):
            let scaled = UInt64(max(0, (Double(ns) * timeScale).rounded()))
            resumeAt[buyer] = now + scaled
            events.append(Event(tNs: now, buyer: buyer, task: last.task, kind: .faultStall, value: Int64(scaled)))
        }
    }

    /// Lets every stall that is over continue.
    package mutating func resumeDue(now: UInt64, pids: [pid_t], lastTask: (Int) -> Int) {
        for (buyer, at) in resumeAt where at <= now {
            kill(pids[buyer], SIGCONT)
            resumeAt[buyer] = nil
            events.append(Event(tNs: now, buyer: buyer, task: lastTask(buyer), kind: .faultResume))
        }
    }

    /// When the runner must look again at the latest: soon while stops may come, or at the next resume.
    package func nextWake(now: UInt64) -> UInt64 {
        let watching = plan.values.contains { !$0.isEmpty }
        var wake = watching ? now + 1_000_000 : UInt64.max
        for at in resumeAt.values { wake = min(wake, at) }
        return wake
    }
}
