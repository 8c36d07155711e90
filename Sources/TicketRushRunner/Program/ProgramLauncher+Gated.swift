#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushProcess
import TicketRushSchedule

/// Protocol programs under a controlled pacer (docs/programs.md, "Gate"): each buyer is
/// held before exec on its own gate pipe; a grant is one byte on it. The first grant lets
/// the buyer exec; each later one lets it return from the client helper, which parks again
/// right after writing its next line (TICKETRUSH_GATE_FD). So exactly one program runs at a
/// time, and a step is the program's code from one grant to its next report (or its exit).
///
/// The runner cannot see into a step, so a parked program offers the strategies `.program`
/// (conflicts with every step) or, after a `lock.wait` line, `.programAcquire` (enabled
/// only while the lock model says the lock is free).
struct ProgramGateState {
    enum Buyer: Equatable { case unstarted, running, parked(GateOp), done, dead }
    var on = false
    var writes: [Int32] = []
    var state: [Buyer] = []
    /// The program's own lock: flock-like, freed when its holder exits.
    var lock = LockModel(mode: .none)
    /// Without pidfds (Linux before 5.3) exits are looked for every 2 ms.
    var exitsPolled = false
    var faultPlan: [Int: [EventKind: Int]] = [:]
    var performed: [Int] = []
    var processed = 0
    var seenReports: [Int] = []
    var killPending: [Bool] = []
    var killed: Set<Int> = []
    var faultEvents: [Event] = []
    var deadlocked = false
    var cut = false
}

extension ProgramLauncher: GatedLauncher {
    func openGates() {
        let n = procCount
        gate.on = true
        gate.writes = [Int32](repeating: -1, count: n)
        gate.state = [ProgramGateState.Buyer](repeating: .unstarted, count: n)
        // Faults land right after the step they name, while the program waits at its gate:
        // exact, as for built-in buyers. A stall is not granting a buyer: ignored here.
        gate.faultPlan = FaultInjector(faults: scenario.faults, buyers: n, seed: base.seed, timeScale: scenario.timeScale).plan
        injector = FaultInjector(faults: [], buyers: n, seed: base.seed, timeScale: scenario.timeScale)
        gate.performed = [Int](repeating: 0, count: scenario.faults.count)
        gate.seenReports = [Int](repeating: 0, count: n)
        gate.killPending = [Bool](repeating: false, count: n)
    }

    /// After buyer `p`'s fork: the runner's end of its gate, and a pidfd for its exit.
    func gatherGate(_ p: Int, pid: pid_t, _ ends: (read: Int32, write: Int32)) {
        Sys.close(ends.read)
        gate.writes[p] = ends.write
        procs[p].gate = ends.write
        pollSet[3 * procCount + p].fd = Sys.pidfd(pid) ?? -1
        if pollSet[3 * procCount + p].fd < 0 { gate.exitsPolled = true }
    }

    func ops() -> [GateOp?] {
        gate.state.map {
            switch $0 {
            case .unstarted: return .program
            case .parked(let op): return op
            default: return nil
            }
        }
    }

    var lock: LockModel { gate.lock }
    var mark: (Int, Int) { (collect.events.count, gate.faultEvents.count) }
    var deadlocked: Bool {
        get { gate.deadlocked }
        set { gate.deadlocked = newValue }
    }

    /// The first line a buyer wrote without being granted a step (ProgramTrial.Collector).
    var violation: String? { collect.stray }

    func grant(_ b: Int) {
        // Whatever it wrote while parked is read first, and named as such.
        drain(3 * b, untilEmpty: true)
        gate.state[b] = .running
        var go = ProgramTrial.grantByte
        // A failed write: the program is gone (settle sees its exit); no line may answer it.
        let sent = (try? Sys.write(gate.writes[b], &go, 1)) ?? nil
        procs[b].allowance = sent == 1 ? 1 : 0
    }

    func step(of b: Int, since mark: (Int, Int), op: GateOp) -> ControlledStep {
        var mine = collect.events[mark.0...].filter { $0.buyer == b } + gate.faultEvents[mark.1...].filter { $0.buyer == b }
        if gate.state[b] == .done { mine.append(Event(tNs: procs[b].exitNs, buyer: b, task: collect.lastTask[b], kind: .done)) }
        return ControlledStep(buyer: b, op: op, events: mine, document: store.storyDocument())
    }

    /// Nothing runs before the first grant (each program waits on its gate before exec).
    func settleFirst(deadline: UInt64) -> Bool { true }

    /// Reads until no program runs: the granted one reported (and waits at its gate) or exited.
    func settle(deadline: UInt64) -> Bool {
        let n = procCount
        while gate.state.contains(.running) {
            let now = MonotonicClock.now()
            if tr_interrupted() != 0 || now >= deadline { return false }
            let capMs: UInt64 = gate.exitsPolled ? 2 : 100
            let waitMs = Int32(min((deadline - now + 999_999) / 1_000_000, capMs))
            let ready = pollSet.withUnsafeMutableBufferPointer { (try? Sys.poll($0, timeoutMs: waitMs)) ?? 0 }
            if ready > 0 {
                for i in 0..<(3 * n) where pollSet[i].fd >= 0 && pollSet[i].revents != 0 { drain(i, untilEmpty: true) }
                for b in 0..<n where pollSet[3 * n + b].fd >= 0 && pollSet[3 * n + b].revents != 0 { reapBuyer(b) }
            }
            if gate.exitsPolled { for b in 0..<n where pollSet[3 * n + b].fd < 0 { reapBuyer(b) } }
            absorb()
            if collect.stray != nil { return false }
        }
        // Lines a parked buyer wrote by now are read before the next choice.
        for b in 0..<n { if case .parked = gate.state[b] { drain(3 * b, untilEmpty: true) } }
        return collect.stray == nil
    }

    /// Buyer `b` has exited (or was killed): what it wrote is read, its status kept.
    private func finished(_ b: Int, status: Int32) {
        record(b, status: status)
        for s in 0..<3 { drain(b * 3 + s, untilEmpty: true) }
        let slot = 3 * procCount + b
        if pollSet[slot].fd >= 0 { Sys.close(pollSet[slot].fd); pollSet[slot].fd = -1 }
        if gate.state[b] != .dead { gate.state[b] = .done }
        gate.lock.died(b)
    }

    private func reapBuyer(_ b: Int) {
        guard procs[b].status == nil, let (_, status) = try? Sys.wait(pids[b], options: WNOHANG) else { return }
        finished(b, status: status.raw)
    }

    /// New lines: the lock model, faults, and who parked.
    private func absorb() {
        let n = procCount
        while gate.processed < collect.events.count {
            let e = collect.events[gate.processed]
            gate.processed += 1
            guard e.buyer >= 0, e.buyer < n else { continue }
            switch e.kind {
            case .lockAcquired: gate.lock.acquired(by: e.buyer)
            case .lockReleased: gate.lock.released(by: e.buyer)
            default: break
            }
            planKill(e.buyer, after: e.kind)
        }
        for b in 0..<n where procs[b].reports > gate.seenReports[b] {
            gate.seenReports[b] = procs[b].reports
            // After a line the helper waits at the gate: the next step is unknown, but
            // after `lock.wait` it starts by taking the lock.
            if gate.state[b] == .running { gate.state[b] = .parked(procs[b].lastReport == .lockWait ? .programAcquire : .program) }
        }
        for b in 0..<n where gate.killPending[b] {
            guard case .parked = gate.state[b] else { continue }
            gate.killPending[b] = false
            kill(b)
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

    /// The program and everything it started, as under timing; the tree is read before the
    /// kill, while its children still descend from it.
    private func kill(_ b: Int) {
        ProgramTrial.signalBuyer(pids[b], SIGKILL, tree: ProcessTree.children())
        let status = (try? Sys.wait(pids[b]))?.status.raw ?? 0
        gate.state[b] = .dead
        gate.killed.insert(b)
        gate.faultEvents.append(Event(tNs: MonotonicClock.now(), buyer: b, task: collect.lastTask[b], kind: .faultKill,
                                      value: Int64(SIGKILL)))
        finished(b, status: status)
    }

    /// Gates closed, every process killed and reaped, every stream read to its end (a second at most).
    func reapGated() {
        for p in procs.indices { procs[p].gate = -1 }
        for fd in gate.writes { Sys.close(fd) }
        gate.writes = []
        ProcessTree.killAndReapAll(keepers: keepers, spareNs: Self.keeperGraceNs) { pid, status in
            if let b = pidIndex[pid] { record(b, status: status) }
        }
        let drainUntil = MonotonicClock.now() + 1_000_000_000
        while pollSet[0..<(3 * procCount)].contains(where: { $0.fd >= 0 }), MonotonicClock.now() < drainUntil {
            pollStreams(timeoutMs: 50, count: 3 * procCount)
        }
    }
}
