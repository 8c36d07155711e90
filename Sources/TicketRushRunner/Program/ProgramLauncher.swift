#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushProcess

/// The user's program as the buyers (docs/programs.md), what `CommandLauncher` (a forked,
/// exec'd process per buyer) and `WholeProgramLauncher` (one program that starts its own
/// buyers) share. Every process gets its own stdout, stderr and events pipe; the runner
/// reads them all with poll() in its one thread, turns protocol lines and `outcomes`
/// matches into events stamped on arrival (ProgramTrial.Collector), keeps each buyer's
/// output bounded in the trial folder, and is the subreaper of everything below it, so
/// teardown stops and reaps the whole process tree. Gated: ProgramLauncher+Gated.swift.
class ProgramLauncher: Launcher {
    let base: ProgramTrial
    let scenario: Scenario
    let store: TrialStore
    let perBuyer: Bool
    let procCount: Int
    let names: [String]
    var launchStrings: Launch?
    /// Each buyer's PGAPPNAME is this and its number (SyscallNetwork: its backends are found so).
    var appNamePrefix: String?
    var injector: FaultInjector
    var barrier: (read: Int32, write: Int32) = (-1, -1)
    var procs: [ProgramTrial.Proc]
    /// Per process: events, stdout, stderr (read ends); gated, then a pidfd per buyer at 3n + b.
    var pollSet: [pollfd] = []
    var openStreams = 0
    var exited = 0
    var group: pid_t = 0
    var pids: [pid_t] = []
    var pidIndex: [pid_t: Int] = [:]
    var collect: ProgramTrial.Collector
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
    let folderC: UnsafeMutablePointer<CChar>
    var gate = ProgramGateState()

    init(_ session: TrialSession, program: ProgramConfig, store: TrialStore) {
        base = ProgramTrial(scenario: session.scenario, program: program, trial: session.trial, seed: session.seed, folder: session.folder)
        scenario = session.scenario
        self.store = store
        perBuyer = program.mode == .perBuyer
        let count = scenario.buyers.count
        procCount = perBuyer ? count : 1
        names = (0..<count).map { session.scenario.buyers.name(of: $0) }
        var byName: [String: Int] = [:]
        for (i, name) in names.enumerated() where byName[name] == nil { byName[name] = i }
        injector = FaultInjector(faults: perBuyer ? scenario.faults : [], buyers: count, seed: session.seed, timeScale: scenario.timeScale)
        procs = [ProgramTrial.Proc](repeating: ProgramTrial.Proc(), count: procCount)
        collect = ProgramTrial.Collector(trial: base, count: count, perBuyer: perBuyer, byName: byName,
                                         limit: TrialRunner.eventLimit(scenario), patterns: LinePatterns(program.outcomes))
        folderC = strdup(session.folder)
    }

    deinit {
        launchStrings?.free()
        free(folderC)
        buffer.deallocate()
        for fd in [barrier.read, barrier.write] + gate.writes where fd >= 0 { Sys.close(fd) }
        for p in pollSet where p.fd >= 0 { Sys.close(p.fd) }
    }

    func open(gated: Bool) throws {
        // Orphans of the program (double forks, daemons) become the runner's children, so
        // teardown can find, stop and reap every one.
        try? Sys.setSubreaper(true)
        launchStrings = Launch(program: base.program, scenario: scenario, seed: base.seed, trial: base.trial,
                               storagePath: store.path, names: names, gated: gated, address: store.programAddress,
                               appNamePrefix: appNamePrefix)
        pollSet = [pollfd](repeating: pollfd(fd: -1, events: Int16(POLLIN), revents: 0), count: procCount * (gated ? 4 : 3))
        if gated {
            openGates()
        } else {
            do { barrier = try Sys.pipe() } catch { throw RunnerError.failed(error) }
        }
    }

    func launch() throws -> pid_t {
        let parent = getpid()
        for p in 0..<procCount {
            var ends = [(read: Int32, write: Int32)]()
            do {
                for _ in 0..<(gate.on ? 4 : 3) { ends.append(try Sys.pipe()) }
                try launchOne(p, ends: ends, parent: parent)
            } catch {
                for e in ends { Sys.close(e.read); Sys.close(e.write) }
                abandon()
                throw RunnerError.failed(error, as: "\(error.call) (buyer \(p + 1))")
            }
        }
        return group
    }

    /// Forks process `p` with its pipes `ends` (events, stdout, stderr, and gated its gate).
    /// It dies with a runner killed outright (PR_SET_PDEATHSIG survives the exec).
    private func launchOne(_ p: Int, ends: [(read: Int32, write: Int32)], parent: pid_t) throws(SyscallError) {
        let (argv, envp) = (launchStrings!.argv[p], launchStrings!.envp[p])
        let (folder, barrier, gated) = (folderC, barrier, gate.on)
        // Gated: only this buyer's own ends (a copy of another buyer's gate would keep it from
        // reading EOF when the runner closes it). Timing: close-on-exec does it.
        let keep = gated ? Descriptors([ends[0].write, ends[1].write, ends[2].write, ends[3].read]) : nil
        defer { keep?.free() }
        let pid = try Spawn.child(dieWith: parent, group: group, keep: keep?.fds) {
            if !gated { Sys.close(barrier.write) }
            CommandChild.run(runner: parent, argv: argv, envp: envp, folder: folder, barrierFd: gated ? -1 : barrier.read,
                             outFd: ends[1].write, errFd: ends[2].write, eventsFd: ends[0].write, gateFd: gated ? ends[3].read : -1)
        }
        for s in 0..<3 { Sys.close(ends[s].write) }
        if gated { gatherGate(p, pid: pid, ends[3]) }
        if group == 0 { group = pid }
        procs[p].pid = pid
        for s in 0..<3 {
            try? Sys.setNonBlocking(ends[s].read)
            pollSet[p * 3 + s].fd = ends[s].read
        }
        openStreams += 3
    }

    /// Stops and reaps what was started before a launch failed.
    func abandon() {
        Sys.killGroup(group, SIGKILL)
        for p in procs where p.pid > 0 { _ = try? Sys.wait(p.pid) }
    }

    func start() -> UInt64 {
        pids = procs.map(\.pid)
        for (i, p) in procs.enumerated() { pidIndex[p.pid] = i }
        if gate.on { return MonotonicClock.now() }
        Sys.close(barrier.read)
        barrier.read = -1
        let startNs = MonotonicClock.now()
        HelperForkers.holdForTest()
        Barrier.open(barrier.write)  // a byte, then EOF: every process execs now.
        barrier.write = -1
        injector.begin(at: startNs)
        return startNs
    }

    /// A buyer's end is its exit, not EOF on its pipes (its keeper ends whatever the
    /// program left holding them); what is still in a pipe is read at `reap`.
    var finished: Bool { exited == procCount }
    var overflowed: Bool { collect.overflowed }
    /// Exits do not wake poll: look again soon while processes run.
    var pollCapMs: Int32 { openStreams == 0 ? 1 : 20 }

    func poll(timeoutMs: Int32, deadline: UInt64) {
        pollStreams(timeoutMs: timeoutMs, count: 3 * procCount)
    }

    /// Reads every stream poll says is ready (of the first `count` slots).
    func pollStreams(timeoutMs: Int32, count: Int) {
        let ready = pollSet.withUnsafeMutableBufferPointer { all in
            (try? Sys.poll(UnsafeMutableBufferPointer(rebasing: all[0..<count]), timeoutMs: timeoutMs)) ?? 0
        }
        guard ready > 0 else { return }
        for i in 0..<count where pollSet[i].fd >= 0 && pollSet[i].revents != 0 { drain(i, untilEmpty: gate.on) }
    }

    /// Reads what slot `i` holds now (`untilEmpty`: until the pipe is empty, else until a
    /// short read); at EOF the last line counts and the slot closes.
    func drain(_ i: Int, untilEmpty: Bool) {
        guard pollSet[i].fd >= 0 else { return }
        let (p, stream, arrived) = (i / 3, ProgramTrial.Stream(rawValue: i % 3)!, MonotonicClock.now())
        while true {
            let n: Int
            do {
                guard let got = try Sys.read(pollSet[i].fd, buffer.baseAddress!, buffer.count) else { return }
                n = got
            } catch {
                n = 0  // a read error ends the stream like EOF
            }
            if n == 0 { break }
            collect.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), slot: i, proc: p, stream: stream, at: arrived,
                         procs: &procs, injector: &injector, pids: pids)
            if n < buffer.count && !untilEmpty { return }
        }
        closeStream(i, at: arrived)
    }

    func closeStream(_ i: Int, at now: UInt64) {
        collect.finish(slot: i, proc: i / 3, stream: ProgramTrial.Stream(rawValue: i % 3)!, at: now,
                       procs: &procs, injector: &injector, pids: pids)
        Sys.close(pollSet[i].fd)
        pollSet[i].fd = -1
        openStreams -= 1
    }

    func tend(now: UInt64) {
        if injector.isActive { serviceFaults(now: now) }
        reapSome()
    }

    func nextWake(now: UInt64) -> UInt64? { injector.isActive ? injector.nextWake(now: now) : nil }

    /// Time offsets and stalls that are over; a fault's victim is its whole process tree.
    private func serviceFaults(now: UInt64) {
        for buyer in injector.resumeDue(now: now, lastTask: { collect.lastTask[$0] }) where pids[buyer] > 0 {
            ProgramTrial.signalBuyer(pids[buyer], SIGCONT)
        }
        guard injector.hasDue(now: now) else { return }
        // Stopped first, so a kill also finds what they started until then; /proc is read
        // once per step however many buyers are hit.
        let hits = injector.due(now: now, finished: hasExited, lastTask: { collect.lastTask[$0] }).filter { pids[$0.buyer] > 0 }
        guard !hits.isEmpty else { return }
        let tree = ProcessTree.children()
        for (buyer, _) in hits { ProgramTrial.signalBuyer(pids[buyer], SIGSTOP, tree: tree) }
        let killing = hits.filter { $0.hit == .kill }
        guard !killing.isEmpty else { return }
        let stopped = ProcessTree.children()
        for (buyer, _) in killing { ProgramTrial.signalBuyer(pids[buyer], SIGKILL, tree: stopped) }
    }

    /// True when buyer `b`'s process has exited (looked up now: a time-offset fault must not
    /// hit a buyer that finished a moment ago).
    private func hasExited(_ b: Int) -> Bool {
        if procs[b].status != nil { return true }
        guard let (_, status) = try? Sys.wait(procs[b].pid, options: WNOHANG) else { return false }
        record(b, status: status.raw)
        return true
    }

    func record(_ i: Int, status: Int32) {
        guard procs[i].status == nil else { return }
        procs[i].status = status
        procs[i].exitNs = MonotonicClock.now()
        exited += 1
    }

    /// Every exit so far; an orphan of the program is reaped with nothing to record, a
    /// process stopped for a fault still runs.
    func reapSome() {
        while let (pid, status) = try? Sys.wait(-1, options: WNOHANG | WUNTRACED) {
            guard let i = pidIndex[pid], !status.isStopped else { continue }
            record(i, status: status.raw)
        }
    }

    /// SIGTERM to the group and every descendant, SIGKILL after the grace, draining until
    /// every stream closed and every process exited, or a second after the SIGKILL.
    func teardown() {
        let sent = MonotonicClock.now()
        // Keepers ignore SIGTERM while the runner lives; each follows its program.
        ProcessTree.signalAll(group: group, SIGTERM)
        ProcessTree.signalAll(group: group, SIGCONT)  // a stopped process must wake to die
        var killed = false
        let grace = TrialRunner.termGraceNs
        while true {
            let now = MonotonicClock.now()
            if !killed, now >= sent + grace || tr_interrupt_count() >= 2 {
                ProcessTree.signalAll(group: group, SIGKILL, keepers: keepers)
                killed = true
            }
            if now >= sent + grace + 1_000_000_000 { break }  // drain no longer
            reapSome()
            if finished { break }
            let wakeAt = killed ? sent + grace + 1_000_000_000 : sent + grace
            poll(timeoutMs: Teardown.pollTimeoutMs(now: now, wakeAt: wakeAt, capMs: pollCapMs), deadline: 0)
        }
    }

    func cutShort() {
        gate.cut = true
        ProcessTree.signalAll(group: group, SIGKILL, keepers: keepers)
    }

    /// The processes the runner forked: each is its program's keeper (Keeper.swift).
    var keepers: Set<pid_t> { Set(pids.filter { $0 > 0 }) }

    /// How long the last-resort kill leaves keepers to end their own trees first.
    static let keeperGraceNs: UInt64 = 500_000_000

    /// Nothing outlives the trial: whatever the program left running is killed and reaped;
    /// every stream is read to its end, each buyer's output file written.
    func reap() {
        if gate.on { reapGated() }
        // What the buyers wrote before they exited is in the pipes: read it, then close.
        for i in 0..<(3 * procCount) where pollSet[i].fd >= 0 {
            drain(i, untilEmpty: true)
            if pollSet[i].fd >= 0 { closeStream(i, at: MonotonicClock.now()) }
        }
        ProcessTree.killAndReapAll(keepers: keepers, spareNs: Self.keeperGraceNs) { pid, status in
            if let i = pidIndex[pid] { record(i, status: status) }
        }
        for p in 0..<procCount { collect.flushOutput(proc: p, procs: &procs, final: true) }
    }

    /// The faults the runner applied, as events, and the buyers it killed.
    var appliedFaults: ([Event], Set<Int>) { gate.on ? (gate.faultEvents, gate.killed) : (injector.events, injector.killed) }

    func history(timedOut: Bool, startNs: UInt64, endNs: UInt64) -> TrialHistory {
        let faults = appliedFaults
        var history = base.history(collect, procs: procs, faultEvents: faults.0, killed: faults.1, timedOut: timedOut || gate.deadlocked,
                                   finalRead: store.finalRead(), startNs: startNs, endNs: endNs)
        history.timedOut = timedOut
        history.readsCanTear = store.engine == nil
        history.storage = scenario.storage.kind.rawValue
        history.engineMessages = store.engineMessages
        // After the final read, which may be the call the server left unanswered.
        if let silence = store.serverSilence { history.incomplete.append(.server(unanswered: silence)) }
        return history
    }
}
