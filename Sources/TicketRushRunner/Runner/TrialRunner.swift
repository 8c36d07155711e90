#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushEngines
import TicketRushChild
import TicketRushChecks

/// What built-in buyers' trials share, whichever pacer runs them (Trial/): when to stop,
/// how big the event pipe is, how a dead buyer's open tasks are closed, how every child is
/// reaped, how a fault's stop is serviced.
package enum TrialRunner {
    /// How long buyers get between SIGTERM and SIGKILL at teardown.
    package static var termGraceNs: UInt64 { Teardown.trial.steps.last?.afterNs ?? 0 }

    /// Why collecting stopped before every buyer closed the pipe.
    package enum StopReason: Equatable {
        case timeout
        case interrupted(Int32)
        case overflow
    }

    /// The event pipe's size, and how long the collecting loop waits between drains.
    static let eventPipeBytes: Int32 = 1 << 20
    static let batchNs: UInt64 = 1_000_000

    /// Why to stop the buyers now, if at all (an interrupt wins over the deadline).
    package static func stopReason(now: UInt64, deadline: UInt64, interrupt: Int32, overflowed: Bool) -> StopReason? {
        if interrupt != 0 { return .interrupted(interrupt) }
        if now >= deadline { return .timeout }
        if overflowed { return .overflow }
        return nil
    }

    /// When the collecting loop must look again: the deadline, or sooner for faults.
    package static func wakeAt(deadline: UInt64, faultWake: UInt64?) -> UInt64 {
        min(deadline, faultWake ?? .max)
    }

    /// What the history lacks: records that did not decode, events dropped past the bound,
    /// buyers that exited without `done` though nobody killed them (Jepsen: incomplete →
    /// the checkers that need every event say unknown).
    package static func gaps(_ events: [Event], malformed: Int, overflowed limit: Int?, buyers: Int, timedOut: Bool,
                             killed: Set<Int>) -> [Incompleteness] {
        var gaps: [Incompleteness] = []
        if malformed > 0 { gaps.append(.malformed(records: malformed)) }
        if let limit { gaps.append(.overflow(limit: limit)) }
        if !timedOut {
            var done = [Bool](repeating: false, count: buyers)
            for e in events where e.kind == .done && e.buyer < buyers { done[e.buyer] = true }
            let vanished = (0..<buyers).filter { !done[$0] && !killed.contains($0) }
            if !vanished.isEmpty { gaps.append(.vanished(buyers: vanished)) }
        }
        return gaps
    }

    /// Most events an honest trial can produce, with room to spare; past it the buyers are stopped.
    package static func eventLimit(_ s: Scenario) -> Int {
        // An optimistic task logs a few events per retry (wait, acquired, released, retry, read).
        let retrying = s.lock.mode == .optimistic || (s.storage.kind.isDatabase && s.lock.mode != .none)
        // A workload's attempt reports one event per key or row it reads (docs/workloads.md).
        let reads = s.workload?.readsPerAttempt(buyers: s.buyers.count, wants: s.buyers.wants) ?? 0
        let perTask = 16 + reads + (retrying ? min(s.lock.retries, 1_000_000) * (8 + reads) : 0)
        return s.buyers.count * (s.buyers.wants * perTask + 8) + 1024
    }

    /// Waits for every child; any still running after a second is killed (`Teardown.reap`),
    /// so this never hangs.
    package static func reap(_ pids: [pid_t], group: pid_t, early: [pid_t: Int32] = [:]) -> [BuyerExit] {
        var exits = [BuyerExit](repeating: .unknown, count: pids.count)
        var index: [pid_t: Int] = [:]
        for (i, pid) in pids.enumerated() { index[pid] = i }
        var left = pids.count
        for (pid, status) in early {
            if let i = index[pid] { exits[i] = Self.exit(from: status); left -= 1 }
        }
        guard group > 0 else { return exits }
        var t = Teardown.Execution(.reap, targets: [.group(group)], startedAt: MonotonicClock.now())
        while left > 0 {
            let got: (pid: pid_t, status: WaitStatus)?
            do { got = try Sys.wait(-group, options: t.finished ? 0 : WNOHANG) } catch { break }
            if let (pid, status) = got {
                if let i = index[pid] {
                    exits[i] = Self.exit(from: status.raw)
                    left -= 1
                }
                continue
            }
            if !t.finished {
                t.advance(now: MonotonicClock.now())
                if !t.finished { MonotonicClock.sleep(ns: 1_000_000) }
            }
        }
        return exits
    }

    static func exit(from status: Int32) -> BuyerExit {
        let signal = status & 0x7f
        if signal == 0 { return .exited(code: (status >> 8) & 0xff) }
        return .signaled(signal: signal)
    }

    /// Gives every task a dead or timed-out buyer left without an outcome an `error`
    /// outcome written by the runner (reason killed or timeout), as Jepsen closes a dead
    /// worker's operations.
    package static func closeOpenTasks(_ events: inout [Event], wants: Int, exits: [BuyerExit], timedOut: Bool, at endNs: UInt64,
                               killed: Set<Int> = []) {
        var closed = [Set<Int>](repeating: [], count: exits.count)
        var finished = [Bool](repeating: false, count: exits.count)
        for e in events where e.buyer < exits.count {
            if e.kind.isOutcome { closed[e.buyer].insert(e.task) }
            if e.kind == .done || e.kind == .soldOut { finished[e.buyer] = true }
        }
        let reason: ErrorReason = timedOut ? .timeout : .killed
        for (buyer, exit) in exits.enumerated() where !exit.isCleanExit && !finished[buyer] {
            // A buyer a fault killed died of that, even if the trial later timed out.
            let why = killed.contains(buyer) ? ErrorReason.killed : reason
            for task in 0..<wants where !closed[buyer].contains(task) {
                events.append(Event(tNs: endNs, buyer: buyer, task: task, kind: .error, aux: why.rawValue))
            }
        }
    }

    /// Acts on buyers that stopped for a fault and on stalls that are over. Exits seen on
    /// the way are kept for `reap`, since waitpid has already collected them.
    package static func serviceFaults(_ injector: inout FaultInjector, _ collector: inout EventCollector, pids: [pid_t],
                              buyerOf: [pid_t: Int], group: pid_t, early: inout [pid_t: Int32]) {
        while let (pid, status) = try? Sys.wait(-group, options: WUNTRACED | WNOHANG) {
            guard status.isStopped, let buyer = buyerOf[pid] else {
                early[pid] = status.raw
                continue
            }
            // The buyer wrote its event before stopping: read it (and all before it) now.
            collector.poll(timeoutMs: 0)
            let last = collector.events.last { $0.buyer == buyer }
            switch injector.stopped(buyer: buyer, last: last, now: MonotonicClock.now()) {
            case .kill: Sys.kill(pid, SIGKILL)
            case .resume: Sys.kill(pid, SIGCONT)
            case .hold: break
            }
        }
        let due = injector.resumeDue(now: MonotonicClock.now()) { buyer in
            collector.events.last { $0.buyer == buyer }?.task ?? 0
        }
        for buyer in due { Sys.kill(pids[buyer], SIGCONT) }
        guard injector.hasDue(now: MonotonicClock.now()) else { return }
        // Time offsets: read what the buyers wrote so far, then hit each chosen buyer still
        // running. One that reported `done` or has exited has finished and is left alone.
        collector.poll(timeoutMs: 0)
        var done = Set<Int>()
        for e in collector.events where e.kind == .done { done.insert(e.buyer) }
        let hits = injector.due(now: MonotonicClock.now(), finished: { buyer in
            Self.hasExited(pids[buyer], early: &early) || done.contains(buyer)
        }, lastTask: { buyer in
            collector.events.last { $0.buyer == buyer }?.task ?? 0
        })
        for (buyer, hit) in hits { Sys.kill(pids[buyer], hit == .kill ? SIGKILL : SIGSTOP) }
    }

    /// True when `pid` has exited (its status is then kept in `early` for `reap`). Stops are
    /// not exits: without WUNTRACED, waitpid does not report them.
    static func hasExited(_ pid: pid_t, early: inout [pid_t: Int32]) -> Bool {
        if early[pid] != nil { return true }
        guard let (_, status) = try? Sys.wait(pid, options: WNOHANG) else { return false }
        early[pid] = status.raw
        return true
    }
}
