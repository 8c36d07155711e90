#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushProcess
import TicketRushSchedule

/// Built-in buyers under a controlled pacer: one gate pipe per buyer; every buyer parks
/// (a `gate` event naming its next op) before each visible step. The launcher keeps the
/// lock model from lock.acquired / lock.released and deaths.
struct GateState {
    enum Buyer: Equatable { case running, parked(GateOp), done, dead }
    var on = false
    var pinned = false
    var read: [Int32] = []
    var write: [Int32] = []
    var state: [Buyer] = []
    var lock = LockModel(mode: .none)
    /// Faults land at the buyer's next gate after the step they name: exact and deterministic.
    var faultPlan: [Int: [EventKind: Int]] = [:]
    var performed: [Int] = []
    var killPending: [Bool] = []
    var killed: Set<Int> = []
    var lastTask: [Int] = []
    /// Events in the schedule's order, and how many of the collector's were looked at.
    var ordered: [Event] = []
    var processed = 0
    var deadlocked = false
    var cut = false
    /// A warm crew runs this schedule: no fork, a byte on each gate starts it.
    var reused = false
}

extension BuiltInLauncher: GatedLauncher {
    func openGates() throws(SyscallError) {
        let n = scenario.buyers.count
        plan.controlled = true
        plan.stops = [:]
        gate.on = true
        gate.read = [Int32](repeating: -1, count: n)
        gate.write = [Int32](repeating: -1, count: n)
        if let warm, warm.hasCrew {
            // The kept crew: its gates and event pipe; `launchGated` forks nothing.
            let crew = warm.take()
            (pids, group, events.read, gate.write, gate.reused) = (crew.pids, crew.group, crew.events, crew.gates, true)
            gate.read = []
        }
        for b in 0..<n where !gate.reused {
            do { (gate.read[b], gate.write[b]) = try Sys.pipe() } catch { throw error.named("pipe (gate of buyer \(b + 1))") }
        }
        gate.state = [GateState.Buyer](repeating: .running, count: n)
        gate.lock = LockModel(mode: scenario.lock.mode)
        gate.faultPlan = injector.plan
        gate.performed = [Int](repeating: 0, count: scenario.faults.count)
        gate.killPending = [Bool](repeating: false, count: n)
        gate.lastTask = [Int](repeating: 0, count: n)
        gate.ordered.reserveCapacity(64)
        // A schedule runs one process at a time: on one CPU the grant and the buyer's wake-up
        // need no cross-CPU wake (0.43 ms against 1.28 ms per schedule under load). The
        // buyers inherit the pin; the runner's old mask comes back when the trial is over.
        // A warm crew keeps the runner on the CPU its buyers were forked on, for all its schedules.
        if let warm { warm.pin() } else { gate.pinned = tr_pin_begin() == 0 }
    }

    /// Each buyer keeps exactly the event pipe's write end, its own gate's read end and the
    /// standard streams (not the other gates, not a --jobs worker's pipe); dies with the runner.
    func launchGated() throws -> pid_t {
        if gate.reused { return group }
        let parent = getpid()
        let (plan, eventFd, warm) = (self.plan, events.write, self.warm != nil)
        self.warm?.forked()
        for index in 0..<scenario.buyers.count {
            let keep = Descriptors([eventFd, gate.read[index]])
            defer { keep.free() }
            let gateFd = gate.read[index]
            do {
                let pid = try Spawn.child(dieWith: parent, group: group, keep: keep.fds) {
                    BuyerProcess.runControlled(index: index, plan: plan, eventFd: eventFd, gateFd: gateFd, warm: warm)
                }
                if group == 0 { group = pid }
                pids.append(pid)
            } catch {
                Sys.killGroup(group, SIGKILL)
                for p in pids { _ = try? Sys.wait(p) }
                throw RunnerError.failed(error, as: "fork (buyer \(index + 1))")
            }
        }
        return group
    }

    func startGated() -> UInt64 {
        Sys.close(events.write)
        events.write = -1
        for fd in gate.read { Sys.close(fd) }
        gate.read = []
        let now = MonotonicClock.now()
        // A warm crew waits between schedules on its gates: one byte each starts this one.
        if gate.reused { for b in gate.write.indices { grant(b) } }
        return now
    }

    func ops() -> [GateOp?] {
        gate.state.map { if case .parked(let op) = $0 { return op } else { return nil } }
    }

    var lock: LockModel { gate.lock }
    var mark: (Int, Int) { (gate.ordered.count, 0) }
    var deadlocked: Bool {
        get { gate.deadlocked }
        set { gate.deadlocked = newValue }
    }

    func grant(_ b: Int) {
        gate.state[b] = .running
        var go: UInt8 = 1
        if (try? Sys.write(gate.write[b], &go, 1)) != 1 { gate.state[b] = .dead }
    }

    func step(of b: Int, since mark: (Int, Int), op: GateOp) -> ControlledStep {
        let mine = gate.ordered[mark.0...].filter { $0.buyer == b && $0.kind != .gate }
        let document = op.writes && op.object == .document ? StoryDocument.read(store.path) : nil
        return ControlledStep(buyer: b, op: op, events: Array(mine), document: document)
    }

    /// Before the first grant every buyer runs to its first gate at once; those steps
    /// touch nothing shared, so they are listed by buyer: the same history on every replay.
    func settleFirst(deadline: UInt64) -> Bool {
        let settled = settle(deadline: deadline)
        gate.ordered = gate.ordered.enumerated().sorted { ($0.element.buyer, $0.offset) < ($1.element.buyer, $1.offset) }.map(\.element)
        return settled
    }

    /// Reads events until no buyer is between gates; false at the timeout or an interrupt.
    func settle(deadline: UInt64) -> Bool {
        while gate.state.contains(.running) {
            let now = MonotonicClock.now()
            if now >= deadline || tr_interrupted() != 0 { return false }
            let before = collector.events.count
            collector.poll(timeoutMs: Int32(min((deadline - now + 999_999) / 1_000_000, 20)))
            absorb()
            if collector.events.count == before { lookForSilentDeaths() }
        }
        return true
    }

    /// Nothing new: a buyer between gates may have died without a word.
    private func lookForSilentDeaths() {
        while let (pid, status) = try? Sys.wait(-group, options: WNOHANG) {
            early[pid] = status.raw
            collector.poll(timeoutMs: 0)
            absorb()
            if let b = pids.firstIndex(of: pid), gate.state[b] != .done { gate.state[b] = .dead }
        }
        if collector.finished { for b in gate.state.indices where gate.state[b] == .running { gate.state[b] = .dead } }
    }

    /// New events: the lock model, who parked, faults due at a gate.
    private func absorb() {
        while gate.processed < collector.events.count {
            let e = collector.events[gate.processed]
            gate.processed += 1
            guard e.buyer >= 0, e.buyer < gate.state.count else { continue }
            let b = e.buyer
            gate.ordered.append(e)
            gate.lastTask[b] = e.task
            switch e.kind {
            case .gate: gate.state[b] = .parked(GateOp(rawValue: e.value) ?? .read)
            case .lockAcquired: gate.lock.acquired(by: b)
            case .lockReleased: gate.lock.released(by: b)
            case .done: gate.state[b] = .done
            default: break
            }
            planKill(b, after: e.kind)
            if gate.killPending[b], case .parked = gate.state[b] {
                gate.killPending[b] = false
                kill(b)
            }
        }
    }

    private func planKill(_ b: Int, after kind: EventKind) {
        guard let index = gate.faultPlan[b]?[kind] else { return }
        gate.faultPlan[b]?[kind] = nil
        let fault = scenario.faults[index]
        if case .kill = fault.action, fault.limit.map({ gate.performed[index] < $0 }) ?? true {
            gate.performed[index] += 1
            gate.killPending[b] = true
        }
    }

    private func kill(_ b: Int) {
        Sys.kill(pids[b], SIGKILL)
        early[pids[b]] = (try? Sys.wait(pids[b]))?.status.raw ?? 0
        gate.state[b] = .dead
        gate.killed.insert(b)
        gate.ordered.append(Event(tNs: MonotonicClock.now(), buyer: b, task: gate.lastTask[b], kind: .faultKill, value: Int64(SIGKILL)))
        gate.lock.died(b)
    }

    func cutShortGated() {
        gate.cut = true
        Sys.killGroup(group, SIGKILL)
    }

    /// Every gate closed (a parked buyer reads EOF and exits), the pipe drained, every buyer reaped.
    func reapGated() {
        if keepWarm() { return }
        for fd in gate.write { Sys.close(fd) }
        gate.write = []
        let drainUntil = MonotonicClock.now() + 2_000_000_000
        while !collector.finished, MonotonicClock.now() < drainUntil { collector.poll(timeoutMs: 50) }
        // Events after the end (a killed buyer's last words) are not part of the schedule.
        if !(gate.deadlocked || gate.cut) { absorb() }
        Sys.close(events.read)
        events.read = -1
        exits = pids.map { pid in TrialRunner.exit(from: early[pid] ?? waitOrKill(pid)) }
    }

    /// After a schedule every buyer of a warm crew finished (nothing killed, cut short or
    /// deadlocked, the pipe still open): the crew is kept for the next schedule, and each
    /// buyer's exit is the `_exit(0)` a fresh buyer makes right after `done`.
    private func keepWarm() -> Bool {
        guard let warm, !gate.cut, !gate.deadlocked, gate.killed.isEmpty, !collector.finished,
              gate.state.allSatisfy({ $0 == .done }) else { return false }
        absorb()
        warm.keep(pids: pids, group: group, events: events.read, gates: gate.write)
        (events.read, gate.write) = (-1, [])
        exits = pids.map { _ in TrialRunner.exit(from: 0) }
        return true
    }

    /// A buyer's status: waited for outright once every buyer closed the event pipe, else
    /// given a second, then killed.
    private func waitOrKill(_ pid: pid_t) -> Int32 {
        if collector.finished { return (try? Sys.wait(pid))?.status.raw ?? 0 }
        let giveUp = MonotonicClock.now() + 1_000_000_000
        while true {
            let got: (pid: pid_t, status: WaitStatus)?
            do { got = try Sys.wait(pid, options: WNOHANG) } catch { return 0 }
            if let got { return got.status.raw }
            if MonotonicClock.now() >= giveUp {
                Sys.kill(pid, SIGKILL)
                return (try? Sys.wait(pid))?.status.raw ?? 0
            }
            usleep(200)
        }
    }

    func gatedHistory(timedOut: Bool, startNs: UInt64, endNs: UInt64) -> TrialHistory {
        let closing = timedOut || gate.deadlocked
        var ordered = gate.ordered
        TrialRunner.closeOpenTasks(&ordered, wants: scenario.buyers.wants, exits: exits, timedOut: closing, at: endNs, killed: gate.killed)
        let incomplete = TrialRunner.gaps(collector.events, malformed: collector.malformed,
                                          overflowed: collector.overflowed ? collector.limit : nil,
                                          buyers: scenario.buyers.count, timedOut: closing, killed: gate.killed)
        var history = TrialHistory(
            trial: trial, seed: seed, tickets: scenario.tickets, buyerNames: names, wants: scenario.buyers.wants,
            events: ordered, exits: exits, timedOut: timedOut, finalRead: store.finalRead(),
            startNs: startNs, durationNs: endNs - startNs, lockLabel: store.lockLabel, incomplete: incomplete)
        history.workload = scenario.workload
        history.workloadState = store.finalWorkload()
        return history
    }
}
