#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Runs one trial: fresh folder, one forked process per buyer, start barrier,
/// events over one pipe read with poll(), timeout teardown, every child reaped.
package struct TrialRunner {
    package let scenario: Scenario
    package let trial: Int
    package let seed: UInt64
    package let folder: String

    /// How long buyers get between SIGTERM and SIGKILL at teardown.
    package static let termGraceNs: UInt64 = 200_000_000

    package func run() throws -> TrialHistory {
        // The user's own program as the buyer (docs/programs.md): its own fork, exec and collector.
        if let program = scenario.program {
            return try ProgramTrial(scenario: scenario, program: program, trial: trial, seed: seed, folder: folder).run()
        }
        let storagePath = "\(folder)/\(scenario.storage.path)"
        if let slash = storagePath.lastIndex(of: "/"), storagePath[..<slash] != folder {
            try makeDirectories(String(storagePath[..<slash]))
        }
        do {
            try JSONFileStore.create(path: storagePath, count: scenario.tickets)
        } catch let e as SystemError {
            throw RunnerError.system(e)
        }
        let context = LockContext(
            lockFilePath: storagePath + ".lock",
            semaphoreName: "/ticketrush-\(getpid())-\(trial + 1)-\(MonotonicClock.now())",
            mutexPath: storagePath + ".mutex")
        do { try scenario.lock.mode.prepare(context) } catch let e as SystemError { throw RunnerError.system(e) }
        defer { scenario.lock.mode.cleanUp(context) }

        var injector = FaultInjector(faults: scenario.faults, buyers: scenario.buyers.count, seed: seed, timeScale: scenario.timeScale)
        let plan = TrialPlan(
            wants: scenario.buyers.wants, lockMode: scenario.lock.mode, scope: scenario.lock.scope,
            writeMode: scenario.storage.write, storagePath: storagePath, lockContext: context,
            delays: scenario.delays, timeScale: scenario.timeScale, seed: seed,
            retries: scenario.lock.retries, stops: injector.stops)
        let names = (0..<scenario.buyers.count).map { scenario.buyers.name(of: $0) }

        var events = [Int32](repeating: -1, count: 2)
        var barrier = [Int32](repeating: -1, count: 2)
        guard pipe(&events) == 0 else { throw RunnerError.system(SystemError(call: "pipe", code: errno)) }
        guard pipe(&barrier) == 0 else {
            close(events[0]); close(events[1])
            throw RunnerError.system(SystemError(call: "pipe", code: errno))
        }
        _ = fcntl(events[0], F_SETFL, fcntl(events[0], F_GETFL) | O_NONBLOCK)

        var pids: [pid_t] = []
        pids.reserveCapacity(scenario.buyers.count)
        var group: pid_t = 0
        do {
            try ThreadCheck.requireSingleThreaded()
        } catch {
            close(events[0]); close(events[1]); close(barrier[0]); close(barrier[1])
            throw error
        }
        for index in 0..<scenario.buyers.count {
            let pid = fork()
            if pid == 0 {
                close(events[0])
                close(barrier[1])
                setpgid(0, group)
                BuyerProcess.run(index: index, plan: plan, eventFd: events[1], barrierFd: barrier[0])
            }
            if pid < 0 {
                let code = errno
                close(barrier[1]); close(barrier[0]); close(events[1]); close(events[0])
                if group != 0 { killpg(group, SIGKILL) }
                for p in pids { var status: Int32 = 0; waitpid(p, &status, 0) }
                throw RunnerError.system(SystemError(call: "fork (buyer \(index + 1))", code: code))
            }
            if group == 0 { group = pid }
            // Both sides set the group so neither order of running can miss it.
            setpgid(pid, group)
            pids.append(pid)
        }
        close(events[1])
        close(barrier[0])
        let startNs = MonotonicClock.now()
        close(barrier[1])  // EOF at the barrier: every buyer starts now.

        var collector = EventCollector(fd: events[0], limit: Self.eventLimit(scenario))
        let deadline = startNs + UInt64(scenario.timeoutNs)
        var timedOut = false
        var interrupted: Int32 = 0
        var termSentAt: UInt64?
        var killed = false
        // Exits seen while watching for fault stops, handed to `reap`.
        var early: [pid_t: Int32] = [:]
        let buyerOf = injector.isActive ? Dictionary(uniqueKeysWithValues: pids.enumerated().map { ($1, $0) }) : [:]
        while !collector.finished {
            let now = MonotonicClock.now()
            if interrupted == 0, tr_interrupted() != 0 { interrupted = tr_interrupted() }
            if termSentAt == nil, now >= deadline || interrupted != 0 || collector.overflowed {
                timedOut = now >= deadline && interrupted == 0
                killpg(group, SIGTERM)
                killpg(group, SIGCONT)  // a stalled buyer must wake to die
                termSentAt = now
            }
            if injector.isActive, termSentAt == nil {
                Self.serviceFaults(&injector, &collector, pids: pids, buyerOf: buyerOf, group: group, early: &early)
            }
            if let sent = termSentAt, !killed, now >= sent + Self.termGraceNs {
                killpg(group, SIGKILL)
                killed = true
            }
            var wakeAt = termSentAt.map { killed ? $0 + 1_000_000_000 : $0 + Self.termGraceNs } ?? deadline
            if injector.isActive, termSentAt == nil { wakeAt = min(wakeAt, injector.nextWake(now: now)) }
            let waitMs = wakeAt > now ? Int32(min((wakeAt - now + 999_999) / 1_000_000, 1000)) : 0
            collector.poll(timeoutMs: waitMs)
        }
        close(events[0])

        let exits = reap(pids, group: group, early: early)
        let endNs = MonotonicClock.now()
        if interrupted != 0 { throw RunnerError.interrupted(signal: interrupted) }

        var all = collector.events + injector.events
        Self.closeOpenTasks(&all, wants: scenario.buyers.wants, exits: exits, timedOut: timedOut, at: endNs, killed: injector.killed)
        // Stable sort by time: buyers' clocks are one clock, ties keep arrival order.
        let sorted = all.enumerated().sorted { ($0.element.tNs, $0.offset) < ($1.element.tNs, $1.offset) }.map(\.element)
        let finalRead = JSONFileStore(path: storagePath, mode: scenario.storage.write, tag: -1).read()
        return TrialHistory(
            trial: trial, seed: seed, tickets: scenario.tickets, buyerNames: names, wants: scenario.buyers.wants,
            events: sorted, exits: exits, timedOut: timedOut, finalRead: finalRead,
            startNs: startNs, durationNs: endNs - startNs, lockLabel: scenario.lock.mode.label(context),
            incomplete: Self.gaps(collector.events, malformed: collector.malformed, overflowed: collector.overflowed ? collector.limit : nil,
                                  buyers: pids.count, timedOut: timedOut, killed: injector.killed))
    }

    /// What the history lacks: records that did not decode, events dropped past the bound,
    /// buyers that exited without `done` though nobody killed them (Jepsen: incomplete →
    /// the checkers that need every event say unknown).
    static func gaps(_ events: [Event], malformed: Int, overflowed limit: Int?, buyers: Int, timedOut: Bool,
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
        let perTask = 16 + (s.lock.mode == .optimistic ? min(s.lock.retries, 1_000_000) * 8 : 0)
        return s.buyers.count * (s.buyers.wants * perTask + 8) + 1024
    }

    /// Waits for every child; any still running after a second is killed, so this never hangs.
    private func reap(_ pids: [pid_t], group: pid_t, early: [pid_t: Int32] = [:]) -> [BuyerExit] {
        var exits = [BuyerExit](repeating: .unknown, count: pids.count)
        var index: [pid_t: Int] = [:]
        for (i, pid) in pids.enumerated() { index[pid] = i }
        var left = pids.count
        for (pid, status) in early {
            if let i = index[pid] { exits[i] = Self.exit(from: status); left -= 1 }
        }
        let giveUpAt = MonotonicClock.now() + 1_000_000_000
        var forced = false
        while left > 0 {
            var status: Int32 = 0
            let pid = waitpid(-group, &status, forced ? 0 : WNOHANG)
            if pid > 0, let i = index[pid] {
                exits[i] = Self.exit(from: status)
                left -= 1
                continue
            }
            if pid < 0 { if errno == EINTR { continue } else { break } }
            if !forced, MonotonicClock.now() >= giveUpAt {
                killpg(group, SIGKILL)
                forced = true
            } else if !forced {
                MonotonicClock.sleep(ns: 1_000_000)
            }
        }
        return exits
    }

    private static func exit(from status: Int32) -> BuyerExit {
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
        while true {
            var status: Int32 = 0
            let pid = waitpid(-group, &status, WUNTRACED | WNOHANG)
            if pid < 0, errno == EINTR { continue }
            guard pid > 0 else { break }
            guard (status & 0xff) == 0x7f, let buyer = buyerOf[pid] else {
                early[pid] = status
                continue
            }
            // The buyer wrote its event before stopping: read it (and all before it) now.
            collector.poll(timeoutMs: 0)
            let last = collector.events.last { $0.buyer == buyer }
            injector.stopped(buyer: buyer, pid: pid, last: last, now: MonotonicClock.now())
        }
        injector.resumeDue(now: MonotonicClock.now(), pids: pids) { buyer in
            collector.events.last { $0.buyer == buyer }?.task ?? 0
        }
    }
}
