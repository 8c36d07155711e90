#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Carries out a scenario's faults in one trial. Before the fork it decides which buyers
/// each fault hits (probabilities drawn from the trial seed, so a seed replays the same
/// faults). A fault at a step: those buyers stop themselves (SIGSTOP) right after the
/// targeted step, and the runner, seeing the stop, kills them or lets them continue after
/// the stall. A fault at a time offset (`after`): the runner's collect loop wakes at that
/// moment (its poll timeout; no timer, no thread) and sends SIGKILL or SIGSTOP itself to
/// every chosen buyer still running.
///
/// Pure bookkeeping: the caller sends the signals (to a process, or a program's tree).
package struct FaultInjector {
    package let faults: [Fault]
    package let timeScale: Double
    /// buyer → step → index of the fault that lands there (the first listed wins).
    package private(set) var plan: [Int: [EventKind: Int]] = [:]
    /// A fault at a time offset, for one buyer.
    package struct Timed: Equatable {
        /// Nanoseconds after the start barrier opens, `time_scale` applied.
        package var offsetNs: UInt64
        package var buyer: Int
        /// Which fault of the scenario.
        package var index: Int
    }
    /// The time-offset faults in the order they land (offset, then fault, then buyer).
    package private(set) var timed: [Timed] = []
    /// How many of `timed` have landed or been skipped.
    private var nextTimed = 0
    /// When the start barrier opened (`begin`): time offsets count from it.
    private var startNs: UInt64?
    /// How many buyers each fault has hit so far (for `limit`).
    private var performed: [Int]
    /// Buyers the runner holds stopped (a stall) and when to let them go on.
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
                switch fault.moment {
                case .step(let kind):
                    if plan[buyer]?[kind] == nil { plan[buyer, default: [:]][kind] = index }
                case .after(let ns):
                    timed.append(Timed(offsetNs: scaled(ns), buyer: buyer, index: index))
                }
            }
        }
        // Stable: equal offsets keep the scenario's order of faults, then buyer order.
        timed = timed.enumerated().sorted { ($0.element.offsetNs, $0.offset) < ($1.element.offsetNs, $1.offset) }.map(\.element)
    }

    /// True when some buyer will be hit: the runner must service faults.
    package var isActive: Bool { !plan.isEmpty || !timed.isEmpty }

    /// What each buyer's trigger stops at.
    package var stops: [Int: [EventKind]] { plan.mapValues { Array($0.keys) } }

    /// The start barrier opened at `ns`: the time offsets count from here.
    package mutating func begin(at ns: UInt64) { startNs = ns }

    /// What the runner does to a buyer that stopped itself.
    package enum Action: Equatable {
        /// SIGKILL: a kill fault.
        case kill
        /// SIGCONT now: not a stop a fault asked for (or over its limit): never leave a buyer frozen.
        case resume
        /// Leave it stopped until `resumeDue` says so: a stall.
        case hold
    }

    /// What the runner sends a buyer a time-offset fault hits.
    package enum Hit: Equatable {
        /// SIGKILL.
        case kill
        /// SIGSTOP; `resumeDue` lets it go on.
        case stop
    }

    /// Decides about `buyer`, stopped right after its event `last` (pure: the runner sends the
    /// signal). `landing` says how exactly the stop sits at the step (a program buyer's line
    /// arrives a moment after the program wrote it). A stop no step fault explains is the
    /// runner's own (a stall at a time offset) while the buyer is held, else resumed.
    package mutating func stopped(buyer: Int, last: Event?, now: UInt64, landing: Fault.Landing = .step) -> Action {
        let held: Action = resumeAt[buyer] != nil ? .hold : .resume
        guard let last, let index = plan[buyer]?[last.kind] else { return held }
        plan[buyer]?[last.kind] = nil
        let fault = faults[index]
        if let limit = fault.limit, performed[index] >= limit { return held }
        performed[index] += 1
        return perform(fault.action, on: buyer, task: last.task, now: now, landing: landing) == .kill ? .kill : .hold
    }

    /// True when a time-offset fault is due at `now` (a cheap test before `due`).
    package func hasDue(now: UInt64) -> Bool {
        guard let startNs, nextTimed < timed.count else { return false }
        return startNs + timed[nextTimed].offsetNs <= now
    }

    /// The time-offset faults due at `now`, performed in order: what to send to whom. A buyer
    /// that has finished (`finished`) or was killed already is not hit, and nothing is logged
    /// for it.
    package mutating func due(now: UInt64, finished: (Int) -> Bool, lastTask: (Int) -> Int) -> [(buyer: Int, hit: Hit)] {
        var out: [(buyer: Int, hit: Hit)] = []
        while hasDue(now: now) {
            let next = timed[nextTimed]
            nextTimed += 1
            guard !killed.contains(next.buyer), !finished(next.buyer) else { continue }
            let action = perform(faults[next.index].action, on: next.buyer, task: lastTask(next.buyer), now: now, landing: .offset)
            out.append((next.buyer, action == .kill ? .kill : .stop))
        }
        return out
    }

    /// Logs and books one fault on `buyer`: killed, or held stopped until the stall is over
    /// (a stall on a buyer already held ends at the later of the two).
    private mutating func perform(_ action: Fault.Action, on buyer: Int, task: Int, now: UInt64, landing: Fault.Landing) -> Action {
        switch action {
        case .kill:
            killed.insert(buyer)
            resumeAt[buyer] = nil
            events.append(Event(tNs: now, buyer: buyer, task: task, kind: .faultKill, value: Int64(SIGKILL), aux: landing.rawValue))
            return .kill
        case .stall(let ns):
            let length = scaled(ns)
            resumeAt[buyer] = max(resumeAt[buyer] ?? 0, now + length)
            events.append(Event(tNs: now, buyer: buyer, task: task, kind: .faultStall, value: Int64(length), aux: landing.rawValue))
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

    /// When the runner must look again at the latest: soon while stops may come, at the next
    /// resume, or when the next time-offset fault is due.
    package func nextWake(now: UInt64) -> UInt64 {
        let watching = plan.values.contains { !$0.isEmpty }
        var wake = watching ? now + 1_000_000 : UInt64.max
        for at in resumeAt.values { wake = min(wake, at) }
        if let startNs, nextTimed < timed.count { wake = min(wake, startNs + timed[nextTimed].offsetNs) }
        return wake
    }

    /// After the reap: a buyer the runner meant to kill but whose process exited on its own
    /// (it finished in the moment before the signal) was not killed: its kill is taken back,
    /// so the record says nothing happened to it.
    package mutating func confirmKills(_ exits: [BuyerExit]) {
        (events, killed) = Self.confirmed(events, killed: killed, exits: exits)
    }

    /// `confirmKills` on a runner's fault events and killed buyers.
    package static func confirmed(_ events: [Event], killed: Set<Int>, exits: [BuyerExit]) -> (events: [Event], killed: Set<Int>) {
        let missed = killed.filter { buyer in
            guard buyer < exits.count, case .exited = exits[buyer] else { return false }
            return true
        }
        guard !missed.isEmpty else { return (events, killed) }
        return (events.filter { !($0.kind == .faultKill && missed.contains($0.buyer)) }, killed.subtracting(missed))
    }

    private func scaled(_ ns: Int64) -> UInt64 {
        UInt64(max(0, (Double(ns) * timeScale).rounded()))
    }
}
