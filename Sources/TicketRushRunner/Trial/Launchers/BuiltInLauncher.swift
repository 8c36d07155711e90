#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushProcess
import TicketRushSchedule

/// Built-in buyers (docs/architecture.md, "Who forks whom"): one forked process per buyer
/// running `BuyerProcess`, every event a 32-byte record on one shared pipe. From
/// `HelperForkers.threshold` buyers on, helper processes fork them. Gated (a controlled
/// pacer, BuiltInLauncher+Gated.swift): each buyer also has its own gate pipe.
final class BuiltInLauncher: Launcher {
    let scenario: Scenario
    let trial: Int
    let seed: UInt64
    let store: TrialStore
    let names: [String]
    var injector: FaultInjector
    var plan: TrialPlan
    var events: (read: Int32, write: Int32) = (-1, -1)
    var barrier: (read: Int32, write: Int32) = (-1, -1)
    var collector: EventCollector
    private var collectorLimit = 0
    var pids: [pid_t] = []
    var group: pid_t = 0
    /// Exits seen before `reap` (waiting for helpers, watching for fault stops).
    var early: [pid_t: Int32] = [:]
    var buyerOf: [pid_t: Int] = [:]
    var exits: [BuyerExit] = []
    var forkStartNs: UInt64 = 0
    /// Gated only (BuiltInLauncher+Gated.swift).
    var gate = GateState()
    /// Gated only: the cell's warm buyers (BuiltInLauncher+Warm.swift), nil for fresh forks.
    var warm: WarmBuyers?

    init(_ session: TrialSession, store: TrialStore) {
        scenario = session.scenario
        trial = session.trial
        seed = session.seed
        self.store = store
        names = (0..<session.scenario.buyers.count).map { session.scenario.buyers.name(of: $0) }
        injector = FaultInjector(faults: scenario.faults, buyers: scenario.buyers.count, seed: seed, timeScale: scenario.timeScale)
        plan = TrialPlan(
            wants: scenario.buyers.wants, lockMode: scenario.lock.mode, scope: scenario.lock.scope,
            writeMode: scenario.storage.write, storagePath: store.path, lockContext: store.context!,
            delays: scenario.delays, timeScale: scenario.timeScale, seed: seed,
            retries: scenario.lock.retries, stops: injector.stops, allocProbe: AllocProbe.fromEnvironment())
        plan.engine = store.engine?.target
        plan.workload = scenario.workload
        plan.buyerCount = scenario.buyers.count
        collector = EventCollector(fd: -1, limit: 0)
    }

    deinit {
        for fd in [events.read, events.write, barrier.read, barrier.write] + gate.read + gate.write where fd >= 0 { Sys.close(fd) }
        if gate.pinned { tr_pin_end() }
    }

    func open(gated: Bool) throws {
        do {
            if gated, let warm, warm.hasCrew {
                try openGates()
            } else {
                events = try Sys.pipe()
                try Sys.setNonBlocking(events.read)
                if gated { try openGates() } else { barrier = try Sys.pipe() }
            }
        } catch {
            throw RunnerError.failed(error)
        }
        // Room for the runner to drain in batches: 1 MiB holds 32,768 events; where the
        // system allows less, the default 64 KiB stays and buyers just wait a little.
        if !gated { Sys.setPipeSize(events.read, bytes: TrialRunner.eventPipeBytes) }
        let limit = TrialRunner.eventLimit(scenario)
        collectorLimit = gated ? limit + scenario.buyers.count * 64 * max(scenario.buyers.wants, 1) : limit
    }

    func launch() throws -> pid_t {
        let group = try gate.on ? launchGated() : forkAll()
        // Made once every buyer exists: its buffer (reserved up to the event limit) is then
        // no mapping that each fork copies (+8% CPU at 1,000 buyers when made before).
        collector = EventCollector(fd: events.read, limit: collectorLimit)
        return group
    }

    private func forkAll() throws -> pid_t {
        forkStartNs = MonotonicClock.now()
        // Made before the loop: the child allocates nothing (each allocation there faults in
        // pages of code and heap in every buyer).
        let kit = BuyerKit(plan: plan)
        let n = scenario.buyers.count
        let helpers = HelperForkers.helpers(buyers: n, kit: kit)
        if helpers > 0, let board = HelperForkers.Board(buyers: n, helpers: helpers) {
            defer { board.release() }
            let spawned = try HelperForkers.spawn(buyers: n, helpers: helpers, board: board, plan: plan, kit: kit,
                                                  keep: [events.write, barrier.read])
            (pids, group, early) = (spawned.pids, spawned.group, spawned.early)
            ForkTiming.report(buyers: n, helpers: helpers, since: forkStartNs)
            return group
        }
        try forkBuyers(kit: kit)
        ForkTiming.report(buyers: pids.count, helpers: 0, since: forkStartNs)
        return group
    }

    /// The runner forks every buyer itself, into one process group. The child keeps its two
    /// pipe ends and the standard streams, nothing else (not a --jobs worker's pipe to the
    /// runner), and dies with its parent.
    private func forkBuyers(kit: BuyerKit?) throws {
        pids.reserveCapacity(scenario.buyers.count)
        let parent = getpid()
        let keep = Descriptors([events.write, barrier.read])
        defer { keep.free() }
        let (plan, eventFd, barrierFd) = (self.plan, events.write, barrier.read)
        for index in 0..<scenario.buyers.count {
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: parent, group: group, keep: keep.fds) {
                    BuyerProcess.run(index: index, plan: plan, eventFd: eventFd, barrierFd: barrierFd, kit: kit)
                }
            } catch {
                abandon()
                throw RunnerError.failed(error, as: "fork (buyer \(index + 1))")
            }
            if group == 0 { group = pid }
            pids.append(pid)
        }
    }

    /// A failed launch: every buyer already forked killed and reaped (the pipes close with
    /// this launcher, never before: a closed barrier would release a live buyer).
    func abandon() {
        if group != 0 {
            var t = Teardown.Execution(.immediate, targets: [.group(group)], startedAt: MonotonicClock.now())
            t.advance(now: t.startedAt)
        }
        _ = TrialRunner.reap(pids, group: group)
    }

    func start() -> UInt64 {
        if gate.on { return startGated() }
        HelperForkers.holdForTest()
        Sys.close(events.write)
        Sys.close(barrier.read)
        (events.write, barrier.read) = (-1, -1)
        let startNs = MonotonicClock.now()
        // The runner's byte, then EOF: every buyer starts now (a barrier that opens without
        // the byte — the runner died — makes every buyer exit).
        Barrier.open(barrier.write)
        barrier.write = -1
        injector.begin(at: startNs)
        if injector.isActive { buyerOf = Dictionary(uniqueKeysWithValues: pids.enumerated().map { ($1, $0) }) }
        return startNs
    }

    var finished: Bool { collector.finished }
    var overflowed: Bool { collector.overflowed }
    var pollCapMs: Int32 { 1000 }

    func poll(timeoutMs: Int32, deadline: UInt64) {
        let before = collector.events.count
        collector.poll(timeoutMs: timeoutMs)
        // Drain in batches: a runner that woke for every event would cost every buyer's
        // write a wake-up and take a core's share from the race. Buyers stamp their own
        // times, so reading a moment later changes no history. Faults need the runner at once.
        if !injector.isActive, !collector.finished, collector.events.count > before,
           MonotonicClock.now() + TrialRunner.batchNs < deadline {
            MonotonicClock.sleep(ns: Int64(TrialRunner.batchNs))
        }
    }

    func tend(now: UInt64) {
        guard injector.isActive else { return }
        TrialRunner.serviceFaults(&injector, &collector, pids: pids, buyerOf: buyerOf, group: group, early: &early)
    }

    func nextWake(now: UInt64) -> UInt64? { injector.isActive ? injector.nextWake(now: now) : nil }

    /// `Teardown.trial` to the group, draining the pipe until every buyer closed it; a second
    /// interrupt to the runner skips the grace. Gives up draining a second after the last
    /// signal (the reaper then has the last word).
    func teardown() {
        var t = Teardown.Execution(.trial, targets: [.group(group)], startedAt: MonotonicClock.now())
        var lastSentAt = t.startedAt
        while !collector.finished {
            let now = MonotonicClock.now()
            if tr_interrupt_count() >= 2 { t.escalate() }
            let before = t.sent
            t.advance(now: now)
            if t.sent != before { lastSentAt = now }
            if t.finished, now >= lastSentAt + 1_000_000_000 { break }
            collector.poll(timeoutMs: Teardown.pollTimeoutMs(now: now, wakeAt: t.nextAt ?? lastSentAt + 1_000_000_000))
        }
    }

    func cutShort() { cutShortGated() }

    func reap() {
        if gate.on { return reapGated() }
        Sys.close(events.read)
        events.read = -1
        exits = TrialRunner.reap(pids, group: group, early: early)
        injector.confirmKills(exits)
    }

    func history(timedOut: Bool, startNs: UInt64, endNs: UInt64) -> TrialHistory {
        if gate.on { return gatedHistory(timedOut: timedOut, startNs: startNs, endNs: endNs) }
        let incomplete = TrialRunner.gaps(collector.events, malformed: collector.malformed,
                                          overflowed: collector.overflowed ? collector.limit : nil,
                                          buyers: exits.count, timedOut: timedOut, killed: injector.killed)
        // The collector's own array, appended to and sorted in place: no copy of the history.
        var sorted = collector.takeEvents()
        sorted.append(contentsOf: injector.events)
        TrialRunner.closeOpenTasks(&sorted, wants: scenario.buyers.wants, exits: exits, timedOut: timedOut, at: endNs,
                                   killed: injector.killed)
        // By time: buyers' clocks are one clock; the sort is stable, so ties keep arrival order.
        sorted.sort { $0.tNs < $1.tNs }
        return makeHistory(events: sorted, timedOut: timedOut, startNs: startNs, endNs: endNs, incomplete: incomplete)
    }

    func makeHistory(events: [Event], timedOut: Bool, startNs: UInt64, endNs: UInt64, incomplete: [Incompleteness]) -> TrialHistory {
        var history = TrialHistory(
            trial: trial, seed: seed, tickets: scenario.tickets, buyerNames: names, wants: scenario.buyers.wants,
            events: events, exits: exits, timedOut: timedOut, finalRead: store.finalRead(),
            startNs: startNs, durationNs: endNs - startNs, lockLabel: store.lockLabel, incomplete: incomplete)
        history.readsCanTear = store.engine == nil
        history.storage = scenario.storage.kind.rawValue
        history.engineMessages = store.engineMessages
        history.workload = scenario.workload
        history.workloadState = store.finalWorkload()
        // After the final read, which may be the call the server left unanswered.
        if let silence = store.serverSilence { history.incomplete.append(.server(unanswered: silence)) }
        return history
    }
}
