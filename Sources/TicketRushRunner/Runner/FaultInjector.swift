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

    /// What the runner does to a buyer that stopped itself.
    package enum Action: Equatable {
        /// SIGKILL: a kill fault.
        case kill
        /// SIGCONT now: not a stop a fault asked for (or over its limit): never leave a buyer frozen.
        case resume
        /// Leave it stopped until `resumeDue` says so: a stall.
        case hold
    }

    /// Decides about `buyer`, stopped right after its event `last` (pure: the runner sends the signal).
    package mutating func stopped(buyer: Int, last: Event?, now: UInt64) -> Action {
        guard let last, let index = plan[buyer]?[last.kind], resumeAt[buyer] == nil else { return .resume }
        plan[buyer]?[last.kind] = nil
        let fault = faults[index]
        if let limit = fault.limit, performed[index] >= limit { return .resume }
        performed[index] += 1
        switch fault.action {
        case .kill:
            killed.insert(buyer)
            events.append(Event(tNs: now, buyer: buyer, task: last.task, kind: .faultKill, value: Int64(SIGKILL)))
            return .kill
        case .stall(let ns):
            let scaled = UInt64(max(0, (Double(ns) * timeScale).rounded()))
            resumeAt[buyer] = now + scaled
            events.append(Event(tNs: now, buyer: buyer, task: last.task, kind: .faultStall, value: Int64(scaled)))
            return .hold
        }
    }

    /// The stalled buyers whose stall is over at `now`, in buyer order; each is logged as resumed.
    package mutating func resumeDue(now: UInt64, lastTask: (Int) -> Int) -> [Int] {
        let due = resumeAt.filter { $0.value <= now }.map(\.key).sorted()
        for buyer in due {
            resumeAt[buyer] = nil
            events.append(Event(tNs: now, buyer: buyer, task: lastTask(buyer), kind: .faultResume))
        }
        return due
    }

    /// When the runner must look again at the latest: soon while stops may come, or at the next resume.
    package func nextWake(now: UInt64) -> UInt64 {
        let watching = plan.values.contains { !$0.isEmpty }
        var wake = watching ? now + 1_000_000 : UInt64.max
        for at in resumeAt.values { wake = min(wake, at) }
        return wake
    }
}
