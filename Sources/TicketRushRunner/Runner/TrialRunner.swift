#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Runs one trial: fresh folder, one forked process per buyer, start barrier,
/// events over one pipe read with poll(), timeout teardown, every child reaped.
///
/// The steps, each its own function: `prepare` (document, lock, plan, pipes) → `spawn`
/// (fork, barrier) → `collect` (events and faults until EOF or a reason to stop) →
/// `teardown` (the `Teardown.trial` sequence while draining) → `reap` (exit statuses).
package struct TrialRunner {
    package let scenario: Scenario
    package let trial: Int
    package let seed: UInt64
    package let folder: String
    /// postgres, redis: the server (private or given) this trial's table or key lives on.
    package var endpoint: EngineEndpoint? = nil

    /// How long buyers get between SIGTERM and SIGKILL at teardown.
    package static var termGraceNs: UInt64 { Teardown.trial.steps.last?.afterNs ?? 0 }

    /// Called in the runner with each trial's process group once its buyers exist, and with
    /// 0 once they are reaped (a `--jobs` worker tells the pool, which kills the group if
    /// the worker dies).
    nonisolated(unsafe) static var groupObserver: ((pid_t) -> Void)?

    /// What `prepare` made: everything fixed before the first fork.
    package struct Prepared {
        package var storagePath: String
        package var context: LockContext
        package var plan: TrialPlan
        package var injector: FaultInjector
        package var names: [String]
        /// Read and write ends of the event pipe and of the barrier pipe.
        package var events: (read: Int32, write: Int32)
        package var barrier: (read: Int32, write: Int32)
        /// A database engine's trial state (nil for the JSON file).
        package var engine: EngineTrial? = nil
    }

    /// The buyers as they run.
    package struct Spawned {
        package var pids: [pid_t]
        package var group: pid_t
        package var startNs: UInt64
        /// Buyers that died before the barrier opened, seen while waiting for the helpers.
        package var early: [pid_t: Int32] = [:]
    }

    /// Why collecting stopped before every buyer closed the pipe.
    package enum StopReason: Equatable {
        case timeout
        case interrupted(Int32)
        case overflow
    }

    package func run() throws -> TrialHistory {
        // The user's own program as the buyer (docs/programs.md): its own fork, exec and collector.
        if let program = scenario.program {
            return try ProgramTrial(scenario: scenario, program: program, trial: trial, seed: seed, folder: folder).run()
        }
        var prepared = try prepare()
        defer { scenario.lock.mode.cleanUp(prepared.context) }
        defer { prepared.engine?.drop() }
        let spawned = try spawn(&prepared)
        prepared.injector.begin(at: spawned.startNs)
        Self.groupObserver?(spawned.group)
        var collector = EventCollector(fd: prepared.events.read, limit: Self.eventLimit(scenario))
        // Exits seen while waiting for helpers or watching for fault stops, handed to `reap`.
        var early = spawned.early
        let deadline = spawned.startNs + UInt64(scenario.timeoutNs)
        let stop = collect(&collector, &prepared.injector, spawned, deadline: deadline, early: &early)
        if stop != nil { teardown(&collector, spawned) }
        close(prepared.events.read)
        let exits = Self.reap(spawned.pids, group: spawned.group, early: early)
        prepared.injector.confirmKills(exits)
        Self.groupObserver?(0)
        let endNs = MonotonicClock.now()
        if case .interrupted(let signal) = stop { throw RunnerError.interrupted(signal: signal) }
        return history(prepared, spawned, collector: collector, exits: exits, timedOut: stop == .timeout, endNs: endNs)
    }

    /// The document, what the lock shares, the buyers' plan, and the two pipes.
    package func prepare() throws -> Prepared {
        let storagePath = try storagePath(of: scenario, in: folder)
        let isDatabase = scenario.storage.kind.isDatabase
        // A database: the trial's fresh table, key or file; `run` drops it after reading the final count.
        let engine = isDatabase ? try EngineTrial.prepare(scenario, folder: folder, storagePath: storagePath, endpoint: endpoint) : nil
        do {
            if !isDatabase { try JSONFileStore.create(path: storagePath, count: scenario.tickets) }
        } catch let e as SystemError {
            throw RunnerError.system(e)
        }
        // The owner's pid is in the name: a later run sweeps it if this process dies (StaleSemaphores).
        let context = LockContext(
            lockFilePath: storagePath + ".lock",
            semaphoreName: StaleSemaphores.name(owner: getpid(), trial: trial + 1, unique: MonotonicClock.now()),
            mutexPath: storagePath + ".mutex")
        do { try scenario.lock.mode.prepare(context) } catch let e as SystemError { throw RunnerError.system(e) }

        let injector = FaultInjector(faults: scenario.faults, buyers: scenario.buyers.count, seed: seed, timeScale: scenario.timeScale)
        var plan = TrialPlan(
            wants: scenario.buyers.wants, lockMode: scenario.lock.mode, scope: scenario.lock.scope,
            writeMode: scenario.storage.write, storagePath: storagePath, lockContext: context,
            delays: scenario.delays, timeScale: scenario.timeScale, seed: seed,
            retries: scenario.lock.retries, stops: injector.stops, allocProbe: AllocProbe.fromEnvironment())
        plan.engine = engine?.target
        let names = (0..<scenario.buyers.count).map { scenario.buyers.name(of: $0) }

        let events: (read: Int32, write: Int32), barrier: (read: Int32, write: Int32)
        do throws(SyscallError) {
            events = try Sys.pipe()
            do { barrier = try Sys.pipe() } catch {
                Sys.close(events.read); Sys.close(events.write)
                throw error
            }
            try Sys.setNonBlocking(events.read)
        } catch {
            scenario.lock.mode.cleanUp(context)
            throw RunnerError.failed(error)
        }
        // Room for the runner to drain in batches (collect): 1 MiB holds 32,768 events; where
        // the system allows less, the default 64 KiB stays and buyers just wait a little.
        Sys.setPipeSize(events.read, bytes: Self.eventPipeBytes)
        return Prepared(storagePath: storagePath, context: context, plan: plan, injector: injector, names: names,
                        events: events, barrier: barrier, engine: engine)
    }

    /// Forks every buyer into one process group, then opens the barrier. On failure every
    /// buyer already forked is torn down and reaped, and the pipes are closed. From
    /// `HelperForkers.threshold` buyers on, helper processes fork them (HelperForkers.swift).
    package func spawn(_ p: inout Prepared) throws -> Spawned {
        func closeAll() {
            for fd in [p.events.read, p.events.write, p.barrier.read, p.barrier.write] where fd >= 0 { close(fd) }
        }
        do {
            try ThreadCheck.requireSingleThreaded()
        } catch {
            closeAll()
            throw error
        }
        let forkStartNs = MonotonicClock.now()
        PageDrop.beforeForking()
        // Made before the loop: the child allocates nothing (each allocation there faults in
        // pages of code and heap in every buyer).
        let kit = BuyerKit(plan: p.plan)
        let helpers = HelperForkers.helpers(buyers: scenario.buyers.count, kit: kit)
        if helpers > 0, let board = HelperForkers.Board(buyers: scenario.buyers.count, helpers: helpers) {
            defer { board.release() }
            do {
                return try spawnWithHelpers(&p, helpers: helpers, board: board, kit: kit, forkStartNs: forkStartNs)
            } catch {
                closeAll()
                throw error
            }
        }
        var pids: [pid_t] = []
        pids.reserveCapacity(scenario.buyers.count)
        var group: pid_t = 0
        let parent = getpid()
        let keep = Descriptors([p.events.write, p.barrier.read])
        defer { keep.free() }
        for index in 0..<scenario.buyers.count {
            // The child keeps its two pipe ends and the standard streams, nothing else
            // (not a --jobs worker's pipe to the runner), and dies with its parent.
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: parent, group: group, keep: keep.fds) {
                    BuyerProcess.run(index: index, plan: p.plan, eventFd: p.events.write, barrierFd: p.barrier.read, kit: kit)
                }
            } catch {
                closeAll()
                if group != 0 {
                    var t = Teardown.Execution(.immediate, targets: [.group(group)], startedAt: MonotonicClock.now())
                    t.advance(now: t.startedAt)
                }
                _ = Self.reap(pids, group: group)
                throw RunnerError.failed(error, as: "fork (buyer \(index + 1))")
            }
            if group == 0 { group = pid }
            pids.append(pid)
        }
        ForkTiming.report(buyers: pids.count, helpers: 0, since: forkStartNs)
        return Spawned(pids: pids, group: group, startNs: Self.openBarrier(&p))
    }

    /// Every buyer exists: the runner's ends of the pipes closed, then the runner's byte and
    /// EOF at the barrier — every buyer starts now (a barrier that opens without the byte,
    /// because the runner died, makes every buyer exit). Returns the start time.
    static func openBarrier(_ p: inout Prepared) -> UInt64 {
        HelperForkers.holdForTest()
        close(p.events.write)
        close(p.barrier.read)
        p.events.write = -1
        p.barrier.read = -1
        let startNs = MonotonicClock.now()
        // The runner's byte, then EOF: every buyer starts now (a barrier that opens without the
        // byte — the runner died — makes every buyer exit).
        Barrier.open(p.barrier.write)
        p.barrier.write = -1
        return startNs
    }

    /// Reads events (and services faults) until every buyer closed the pipe (nil), or a
    /// reason to stop them: the deadline, an interrupt, too many events.
    package func collect(_ collector: inout EventCollector, _ injector: inout FaultInjector, _ s: Spawned,
                 deadline: UInt64, early: inout [pid_t: Int32]) -> StopReason? {
        let buyerOf = injector.isActive ? Dictionary(uniqueKeysWithValues: s.pids.enumerated().map { ($1, $0) }) : [:]
        while !collector.finished {
            let now = MonotonicClock.now()
            if let reason = Self.stopReason(now: now, deadline: deadline, interrupt: tr_interrupted(), overflowed: collector.overflowed) {
                return reason
            }
            if injector.isActive {
                Self.serviceFaults(&injector, &collector, pids: s.pids, buyerOf: buyerOf, group: s.group, early: &early)
            }
            let wakeAt = Self.wakeAt(deadline: deadline, faultWake: injector.isActive ? injector.nextWake(now: now) : nil)
            let before = collector.events.count
            collector.poll(timeoutMs: Teardown.pollTimeoutMs(now: now, wakeAt: wakeAt))
            // Drain in batches: a runner that woke for every event would cost every buyer's
            // write a wake-up and take a core's share from the race. Buyers stamp their own
            // times, so reading a moment later changes no history. Faults need the runner at once.
            if !injector.isActive, !collector.finished, collector.events.count > before,
               MonotonicClock.now() + Self.batchNs < deadline {
                MonotonicClock.sleep(ns: Int64(Self.batchNs))
            }
        }
        return nil
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

    /// Stops the trial's buyers with `Teardown.trial`, draining the pipe until every buyer
    /// closed it; a second interrupt to the runner skips the grace. Gives up draining a
    /// second after the last signal (the reaper then has the last word).
    package func teardown(_ collector: inout EventCollector, _ s: Spawned) {
        var t = Teardown.Execution(.trial, targets: [.group(s.group)], startedAt: MonotonicClock.now())
        var lastSentAt = t.startedAt
        while !collector.finished {
            let now = MonotonicClock.now()
            if tr_interrupt_count() >= 2 { t.escalate() }
            let before = t.sent
            t.advance(now: now)
            if t.sent != before { lastSentAt = now }
            if t.finished, now >= lastSentAt + 1_000_000_000 { break }
            let wakeAt = t.nextAt ?? lastSentAt + 1_000_000_000
            collector.poll(timeoutMs: Teardown.pollTimeoutMs(now: now, wakeAt: wakeAt))
        }
    }

    /// The history: collected and runner-written events in time order, exits, final document.
    package func history(_ p: Prepared, _ s: Spawned, collector: consuming EventCollector, exits: [BuyerExit], timedOut: Bool,
                 endNs: UInt64) -> TrialHistory {
        let incomplete = Self.gaps(collector.events, malformed: collector.malformed, overflowed: collector.overflowed ? collector.limit : nil,
                                   buyers: exits.count, timedOut: timedOut, killed: p.injector.killed)
        // The collector's own array, appended to and sorted in place: no copy of the history.
        var sorted = collector.takeEvents()
        sorted.append(contentsOf: p.injector.events)
        Self.closeOpenTasks(&sorted, wants: scenario.buyers.wants, exits: exits, timedOut: timedOut, at: endNs, killed: p.injector.killed)
        // By time: buyers' clocks are one clock; the sort is stable, so ties keep arrival order.
        sorted.sort { $0.tNs < $1.tNs }
        let isDatabase = scenario.storage.kind.isDatabase
        let finalRead = p.engine?.finalRead() ?? JSONFileStore(path: p.storagePath, mode: scenario.storage.write, tag: -1).read()
        var history = TrialHistory(
            trial: trial, seed: seed, tickets: scenario.tickets, buyerNames: p.names, wants: scenario.buyers.wants,
            events: sorted, exits: exits, timedOut: timedOut, finalRead: finalRead,
            startNs: s.startNs, durationNs: endNs - s.startNs,
            lockLabel: isDatabase && (scenario.lock.mode.isEngineMode || scenario.lock.mode == .optimistic)
                ? "\(scenario.storage.kind.rawValue) \(scenario.lock.mode.rawValue)" : scenario.lock.mode.label(p.context),
            incomplete: incomplete)
        history.readsCanTear = !isDatabase
        history.storage = scenario.storage.kind.rawValue
        history.engineMessages = p.engine?.messages() ?? []
        return history
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
        let perTask = 16 + (retrying ? min(s.lock.retries, 1_000_000) * 8 : 0)
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
            var status: Int32 = 0
            let pid = waitpid(-group, &status, t.finished ? 0 : WNOHANG)
            if pid > 0, let i = index[pid] {
                exits[i] = Self.exit(from: status)
                left -= 1
                continue
            }
            if pid < 0 { if errno == EINTR { continue } else { break } }
            if !t.finished {
                t.advance(now: MonotonicClock.now())
                if !t.finished { MonotonicClock.sleep(ns: 1_000_000) }
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
            switch injector.stopped(buyer: buyer, last: last, now: MonotonicClock.now()) {
            case .kill: kill(pid, SIGKILL)
            case .resume: kill(pid, SIGCONT)
            case .hold: break
            }
        }
        let due = injector.resumeDue(now: MonotonicClock.now()) { buyer in
            collector.events.last { $0.buyer == buyer }?.task ?? 0
        }
        for buyer in due { kill(pids[buyer], SIGCONT) }
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
        for (buyer, hit) in hits { kill(pids[buyer], hit == .kill ? SIGKILL : SIGSTOP) }
    }

    /// True when `pid` has exited (its status is then kept in `early` for `reap`). Stops are
    /// not exits: without WUNTRACED, waitpid does not report them.
    static func hasExited(_ pid: pid_t, early: inout [pid_t: Int32]) -> Bool {
        if early[pid] != nil { return true }
        var status: Int32 = 0
        var got = waitpid(pid, &status, WNOHANG)
        while got < 0 && errno == EINTR { got = waitpid(pid, &status, WNOHANG) }
        guard got == pid else { return false }
        early[pid] = status
        return true
    }
}
