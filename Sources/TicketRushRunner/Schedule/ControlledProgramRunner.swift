#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushSchedule

/// One trial of protocol programs (`buyers.command` without `outcomes`) under a controlled
/// schedule (docs/programs.md, "Gate"). Each buyer is forked as in `ProgramTrial` and held
/// before exec on its own gate pipe; a grant is one byte on that pipe. The first grant lets
/// the buyer exec; each later one lets it return from the client helper, which parks again
/// right after writing its next line (TICKETRUSH_GATE_FD). So exactly one program runs at
/// a time, and a step is the program's code from one grant to its next report (or its exit).
///
/// The runner cannot see into a step, so the op a parked program offers the strategies is
/// `.program` (conflicts with every step) or, after a `lock.wait` line, `.programAcquire`
/// (the same, enabled only while the lock model says the lock is free). `lock.acquired` and
/// `lock.released` lines drive the `LockModel` as a built-in buyer's events do.
///
/// What `ProgramTrial` does for the same scenario under timing is reused: the launch
/// (argv, environment), the collector (protocol lines, output kept in `buyer-N.out`), the
/// subreaper teardown of the whole tree and the history (open tasks closed, `done` at exit).
package struct ControlledProgramRunner {
    package let base: ProgramTrial
    /// Read the document after every step, for the story.
    package var recordSteps = false

    package init(scenario: Scenario, program: ProgramConfig, trial: Int, seed: UInt64, folder: String, recordSteps: Bool = false) {
        base = ProgramTrial(scenario: scenario, program: program, trial: trial, seed: seed, folder: folder)
        self.recordSteps = recordSteps
    }

    /// The grant: a newline, so a shell helper can wait with the `read` built-in.
    static let grantByte: UInt8 = 0x0a

    private enum State: Equatable {
        /// Forked, held before exec on its gate.
        case unstarted
        case running
        case parked(GateOp)
        /// Exited (reaped).
        case done
        /// Killed by a fault.
        case dead
    }

    package func run(_ choose: (SchedulePoint) throws(ScheduleDivergence) -> Int?) throws -> ControlledTrialRunner.Outcome {
        let scenario = base.scenario
        let storagePath = try base.prepareStorage()
        // Orphans of a program (double forks) become the runner's children, so teardown finds them.
        try? Sys.setSubreaper(true)
        let n = scenario.buyers.count
        let names = (0..<n).map { scenario.buyers.name(of: $0) }
        var byName: [String: Int] = [:]
        for (i, name) in names.enumerated() where byName[name] == nil { byName[name] = i }
        let launch = Launch(program: base.program, scenario: scenario, seed: base.seed, trial: base.trial,
                            storagePath: storagePath, names: names, gated: true)
        defer { launch.free() }
        // Faults land right after the step they name, while the program waits at its gate:
        // exact, as for built-in buyers. A stall is not granting a buyer: ignored here.
        var faultPlan = FaultInjector(faults: scenario.faults, buyers: n, seed: base.seed, timeScale: scenario.timeScale).plan
        var performed = [Int](repeating: 0, count: scenario.faults.count)

        // A grant to a program that exited must be an error, not the end of the runner.
        let previousPipeHandler = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previousPipeHandler) }
        try ThreadCheck.requireSingleThreaded()
        PageDrop.beforeForking()

        var procs = [ProgramTrial.Proc](repeating: ProgramTrial.Proc(), count: n)
        // Per buyer: events, stdout, stderr (read ends), then the pidfd at 3n + b.
        var pollSet = [pollfd](repeating: pollfd(fd: -1, events: Int16(POLLIN), revents: 0), count: 4 * n)
        var gates = [Int32](repeating: -1, count: n)
        var group: pid_t = 0
        let folderC = strdup(base.folder)
        defer { free(folderC) }
        let parent = getpid()
        func abandon() {
            for i in pollSet.indices where pollSet[i].fd >= 0 { close(pollSet[i].fd) }
            for fd in gates where fd >= 0 { close(fd) }
            if group != 0 { killpg(group, SIGKILL) }
            for p in procs where p.pid > 0 { var status: Int32 = 0; waitpid(p.pid, &status, 0) }
        }
        for b in 0..<n {
            // events, stdout, stderr: the child writes; the gate: the runner writes.
            var ends = [[Int32]](repeating: [-1, -1], count: 4)
            for s in 0..<4 where !openPipe(&ends[s]) {
                let code = errno
                for e in ends { for fd in e where fd >= 0 { close(fd) } }
                abandon()
                throw RunnerError.system(SystemError(call: "pipe (buyer \(b + 1))", code: code))
            }
            // Only this buyer's own ends: a copy of another buyer's gate would keep it
            // from reading EOF when the runner closes it.
            let keep = Descriptors([ends[0][1], ends[1][1], ends[2][1], ends[3][0]])
            defer { keep.free() }
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: parent, group: group, keep: keep.fds) {
                    CommandChild.run(argv: launch.argv[b], envp: launch.envp[b], folder: folderC!, barrierFd: -1,
                                     outFd: keep.fds[1], errFd: keep.fds[2], eventsFd: keep.fds[0], gateFd: keep.fds[3])
                }
            } catch {
                for e in ends { for fd in e { close(fd) } }
                abandon()
                throw RunnerError.failed(error, as: "fork (buyer \(b + 1))")
            }
            for s in 0..<3 { close(ends[s][1]) }
            close(ends[3][0])
            if group == 0 { group = pid }
            procs[b].pid = pid
            for s in 0..<3 {
                _ = fcntl(ends[s][0], F_SETFL, fcntl(ends[s][0], F_GETFL) | O_NONBLOCK)
                pollSet[b * 3 + s].fd = ends[s][0]
            }
            gates[b] = ends[3][1]
            pollSet[3 * n + b].fd = tr_pidfd_open(pid)
        }
        TrialRunner.groupObserver?(group)
        defer { TrialRunner.groupObserver?(0) }
        // Without pidfds (Linux before 5.3) exits are looked for every 2 ms.
        let exitsPolled = (0..<n).contains { pollSet[3 * n + $0].fd < 0 }
        let startNs = MonotonicClock.now()
        let deadline = startNs + UInt64(scenario.timeoutNs)

        var collect = ProgramTrial.Collector(trial: base, count: n, perBuyer: true, byName: byName,
                                             limit: TrialRunner.eventLimit(scenario), patterns: LinePatterns([]))
        var noFaults = FaultInjector(faults: [], buyers: n, seed: base.seed, timeScale: scenario.timeScale)
        let pids = procs.map(\.pid)
        var state = [State](repeating: .unstarted, count: n)
        var lock = LockModel(mode: .none)  // the program's own lock: flock-like, freed when its holder exits
        var processed = 0
        var seenReports = [Int](repeating: 0, count: n)
        var killPending = [Bool](repeating: false, count: n)
        var killed: Set<Int> = []
        var faultEvents: [Event] = []
        var timedOut = false
        var interrupted: Int32 = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        /// Reads what slot `i` holds now; closes it at EOF.
        func drain(_ i: Int) {
            guard pollSet[i].fd >= 0 else { return }
            let p = i / 3
            let stream = ProgramTrial.Stream(rawValue: i % 3)!
            let arrived = MonotonicClock.now()
            while true {
                let got = buffer.withUnsafeMutableBytes { read(pollSet[i].fd, $0.baseAddress, $0.count) }
                if got > 0 {
                    buffer.withUnsafeBytes { raw in
                        collect.feed(UnsafeRawBufferPointer(rebasing: raw[0..<got]), slot: i, proc: p, stream: stream, at: arrived,
                                     procs: &procs, injector: &noFaults, pids: pids)
                    }
                    continue
                }
                if got < 0, errno == EINTR { continue }
                if got < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
                collect.finish(slot: i, proc: p, stream: stream, at: arrived, procs: &procs, injector: &noFaults, pids: pids)
                close(pollSet[i].fd)
                pollSet[i].fd = -1
                return
            }
        }

        /// Buyer `b` has exited (or was killed): what it wrote is read, its status kept.
        func finished(_ b: Int, status: Int32) {
            procs[b].status = status
            procs[b].exitNs = MonotonicClock.now()
            for s in 0..<3 { drain(b * 3 + s) }
            if pollSet[3 * n + b].fd >= 0 { close(pollSet[3 * n + b].fd); pollSet[3 * n + b].fd = -1 }
            if state[b] != .dead { state[b] = .done }
            lock.died(b)
        }

        /// Reaps buyer `b` if it has exited.
        func reap(_ b: Int) {
            guard procs[b].status == nil else { return }
            var status: Int32 = 0
            var r = waitpid(pids[b], &status, WNOHANG)
            while r < 0, errno == EINTR { r = waitpid(pids[b], &status, WNOHANG) }
            if r == pids[b] { finished(b, status: status) }
        }

        /// New lines: the lock model, faults, and who parked.
        func absorb() {
            while processed < collect.events.count {
                let e = collect.events[processed]
                processed += 1
                guard e.buyer >= 0, e.buyer < n else { continue }
                let b = e.buyer
                switch e.kind {
                case .lockAcquired: lock.acquired(by: b)
                case .lockReleased: lock.released(by: b)
                default: break
                }
                if let index = faultPlan[b]?[e.kind] {
                    faultPlan[b]?[e.kind] = nil
                    let fault = scenario.faults[index]
                    if case .kill = fault.action, fault.limit.map({ performed[index] < $0 }) ?? true {
                        performed[index] += 1
                        killPending[b] = true
                    }
                }
            }
            for b in 0..<n where procs[b].reports > seenReports[b] {
                seenReports[b] = procs[b].reports
                // After a line the helper waits at the gate: the next step is unknown, but
                // after `lock.wait` it starts by taking the lock.
                if state[b] == .running { state[b] = .parked(procs[b].lastReport == .lockWait ? .programAcquire : .program) }
            }
            for b in 0..<n where killPending[b] {
                guard case .parked = state[b] else { continue }
                killPending[b] = false
                // The program and everything it started, as under timing; the tree is read
                // before the kill, while its children still descend from it.
                ProgramTrial.signalBuyer(pids[b], SIGKILL, tree: ProcessTree.children())
                var status: Int32 = 0
                while waitpid(pids[b], &status, 0) < 0 && errno == EINTR {}
                state[b] = .dead
                killed.insert(b)
                faultEvents.append(Event(tNs: MonotonicClock.now(), buyer: b, task: collect.lastTask[b], kind: .faultKill,
                                         value: Int64(SIGKILL)))
                finished(b, status: status)
            }
        }

        /// Reads until no program runs: the granted one reported (and waits at its gate) or
        /// exited. Stops at the timeout or an interrupt.
        func settle() {
            while state.contains(.running) {
                let now = MonotonicClock.now()
                if tr_interrupted() != 0 { interrupted = tr_interrupted(); return }
                if now >= deadline { timedOut = true; return }
                let capMs: UInt64 = exitsPolled ? 2 : 100
                let waitMs = Int32(min((deadline - now + 999_999) / 1_000_000, capMs))
                let ready = pollSet.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), waitMs) }
                if ready > 0 {
                    for i in 0..<(3 * n) where pollSet[i].fd >= 0 && pollSet[i].revents != 0 { drain(i) }
                    for b in 0..<n where pollSet[3 * n + b].fd >= 0 && pollSet[3 * n + b].revents != 0 { reap(b) }
                }
                if exitsPolled { for b in 0..<n where pollSet[3 * n + b].fd < 0 { reap(b) } }
                absorb()
            }
        }

        var choices: [Int] = []
        var enabledSets: [[Int]] = []
        var steps: [ControlledTrialRunner.Step] = []
        var last: Int?
        var deadlocked = false
        var waitFor: String?
        var abandoned = false
        var failure: (any Error)?
        while !timedOut, interrupted == 0 {
            var ops = [GateOp?](repeating: nil, count: n)
            for b in 0..<n {
                switch state[b] {
                case .unstarted: ops[b] = .program
                case .parked(let op): ops[b] = op
                default: break
                }
            }
            let decision = GrantDecision.next(ops: ops, lock: lock, names: names, index: choices.count, last: last, choose: choose)
            guard case .grant(let b, let op, let enabled) = decision else {
                switch decision {
                case .finished(let stuck, let chain): (deadlocked, waitFor) = (stuck, chain)
                case .abandoned: abandoned = true
                case .failed(let error): failure = error
                case .grant: break
                }
                break
            }
            choices.append(b)
            enabledSets.append(enabled)
            last = b
            state[b] = .running
            let from = collect.events.count, kills = faultEvents.count
            var go = Self.grantByte
            // A failed write: the program is gone; settle sees its exit.
            _ = write(gates[b], &go, 1)
            settle()
            if recordSteps {
                var mine = collect.events[from...].filter { $0.buyer == b } + faultEvents[kills...].filter { $0.buyer == b }
                if state[b] == .done { mine.append(Event(tNs: procs[b].exitNs, buyer: b, task: collect.lastTask[b], kind: .done)) }
                steps.append(ControlledTrialRunner.Step(buyer: b, op: op, events: mine,
                                                        document: ControlledTrialRunner.document(storagePath)))
            }
        }

        // Teardown: a schedule cut short leaves programs parked (or one running): kill the
        // whole tree. Then nothing outlives the trial; every pipe is read to its end.
        let cutShort = deadlocked || abandoned || timedOut || failure != nil || interrupted != 0
        if cutShort { ProcessTree.signalAll(group: group, SIGKILL) }
        for fd in gates { close(fd) }
        ProcessTree.killAndReapAll { pid, status in
            if let b = pids.firstIndex(of: pid), procs[b].status == nil {
                procs[b].status = status
                procs[b].exitNs = MonotonicClock.now()
            }
        }
        let drainUntil = MonotonicClock.now() + 1_000_000_000
        while pollSet[0..<(3 * n)].contains(where: { $0.fd >= 0 }), MonotonicClock.now() < drainUntil {
            _ = pollSet.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t(3 * n), 50) }
            for i in 0..<(3 * n) where pollSet[i].fd >= 0 && pollSet[i].revents != 0 { drain(i) }
        }
        for i in pollSet.indices where pollSet[i].fd >= 0 {
            if i < 3 * n {
                collect.finish(slot: i, proc: i / 3, stream: ProgramTrial.Stream(rawValue: i % 3)!, at: MonotonicClock.now(),
                               procs: &procs, injector: &noFaults, pids: pids)
            }
            close(pollSet[i].fd)
        }
        let endNs = MonotonicClock.now()
        for b in 0..<n { collect.flushOutput(proc: b, procs: &procs, final: true) }
        if let failure { throw failure }
        if interrupted != 0 { throw RunnerError.interrupted(signal: interrupted) }
        if abandoned { return ControlledTrialRunner.Outcome(history: nil, choices: choices, enabled: enabledSets, steps: steps) }

        var history = base.history(collect, procs: procs, faultEvents: faultEvents, killed: killed, timedOut: timedOut || deadlocked,
                                   storagePath: storagePath, startNs: startNs, endNs: endNs)
        history.timedOut = timedOut
        history.deadlocked = deadlocked
        return ControlledTrialRunner.Outcome(history: history, choices: choices, enabled: enabledSets, steps: steps, waitFor: waitFor)
    }
}
