#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushSchedule

/// Runs one trial under a controlled schedule: fresh folder, one forked process per buyer,
/// one gate pipe per buyer. Every buyer parks before each visible step; the runner keeps a
/// model of the lock (from lock.acquired / lock.released and deaths), knows who is
/// enabled, asks the strategy, and grants one buyer at a time. No enabled buyer while
/// some are unfinished is a deadlock, judged at once.
package struct ControlledTrialRunner {
    package let scenario: Scenario
    package let trial: Int
    package let seed: UInt64
    package let folder: String
    /// Read the document after every step that writes it, for the story.
    package var recordSteps = false

    package init(scenario: Scenario, trial: Int, seed: UInt64, folder: String, recordSteps: Bool = false) {
        self.scenario = scenario
        self.trial = trial
        self.seed = seed
        self.folder = folder
        self.recordSteps = recordSteps
    }

    /// One granted step, for the story: who, what, what it reported, the document after.
    package struct Step: Sendable {
        package var buyer: Int
        package var op: GateOp
        package var events: [Event]
        package var document: String?
    }

    package struct Outcome {
        /// nil when the strategy abandoned the schedule (already covered).
        package var history: TrialHistory?
        package var choices: [Int]
        /// The enabled buyers before each grant.
        package var enabled: [[Int]]
        package var steps: [Step]
        /// When no buyer was enabled: the wait-for chain ("路人2, 路人3 wait for 路人1, which died holding it").
        package var waitFor: String? = nil
    }

    private enum State: Equatable {
        case running
        case parked(GateOp)
        case done
        case dead
    }

    /// Runs the trial, asking `choose` before every grant.
    package func run(_ choose: (SchedulePoint) throws(ScheduleDivergence) -> Int?) throws -> Outcome {
        let storagePath = try createDocument(of: scenario, in: folder)
        let context = LockContext(
            lockFilePath: storagePath + ".lock",
            semaphoreName: StaleSemaphores.name(owner: getpid(), trial: trial + 1, unique: MonotonicClock.now()),
            mutexPath: storagePath + ".mutex")
        let mode = scenario.lock.mode
        do { try mode.prepare(context) } catch let e as SystemError { throw RunnerError.system(e) }
        defer { mode.cleanUp(context) }

        var plan = TrialPlan(
            wants: scenario.buyers.wants, lockMode: mode, scope: scenario.lock.scope,
            writeMode: scenario.storage.write, storagePath: storagePath, lockContext: context,
            delays: scenario.delays, timeScale: scenario.timeScale, seed: seed, retries: scenario.lock.retries,
            allocProbe: AllocProbe.fromEnvironment())
        plan.controlled = true
        let n = scenario.buyers.count
        let names = (0..<n).map { scenario.buyers.name(of: $0) }
        // Faults land at the buyer's next gate after the step they name: exact and deterministic.
        var faultPlan = FaultInjector(faults: scenario.faults, buyers: n, seed: seed, timeScale: scenario.timeScale).plan
        var performed = [Int](repeating: 0, count: scenario.faults.count)

        // A write to the gate of a buyer that died must be an error, not the end of the runner.
        let previousPipeHandler = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previousPipeHandler) }
        var events: [Int32] = [-1, -1]
        guard pipe(&events) == 0 else { throw RunnerError.system(SystemError(call: "pipe", code: errno)) }
        var gateRead = [Int32](repeating: -1, count: n), gateWrite = [Int32](repeating: -1, count: n)
        func closeAll() {
            for fd in events + gateRead + gateWrite where fd >= 0 { close(fd) }
        }
        for b in 0..<n {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else {
                let code = errno
                closeAll()
                throw RunnerError.system(SystemError(call: "pipe (gate of buyer \(b + 1))", code: code))
            }
            gateRead[b] = fds[0]
            gateWrite[b] = fds[1]
        }
        _ = fcntl(events[0], F_SETFL, fcntl(events[0], F_GETFL) | O_NONBLOCK)
        do {
            try ThreadCheck.requireSingleThreaded()
        } catch {
            closeAll()
            throw error
        }
        PageDrop.beforeForking()

        // A schedule runs one process at a time: on one CPU the grant and the buyer's wake-up
        // need no cross-CPU wake (the design measured 0.43 ms against 1.28 ms per schedule
        // under load). The buyers inherit the pin; the runner gets its old mask back when
        // the trial is over, so timing trials after it run unpinned.
        _ = tr_pin_begin()
        defer { tr_pin_end() }
        var pids: [pid_t] = []
        pids.reserveCapacity(n)
        var group: pid_t = 0
        let parent = getpid()
        for index in 0..<n {
            // Keep exactly the event pipe's write end, this buyer's own gate read end and
            // the standard streams (not the other gates, not a --jobs worker's pipe);
            // die with the runner.
            let keep = Descriptors([events[1], gateRead[index]])
            defer { keep.free() }
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: parent, group: group, keep: keep.fds) {
                    BuyerProcess.runControlled(index: index, plan: plan, eventFd: events[1], gateFd: gateRead[index])
                }
            } catch {
                closeAll()
                if group != 0 { killpg(group, SIGKILL) }
                for p in pids { var status: Int32 = 0; waitpid(p, &status, 0) }
                throw RunnerError.failed(error, as: "fork (buyer \(index + 1))")
            }
            if group == 0 { group = pid }
            pids.append(pid)
        }
        close(events[1])
        for fd in gateRead { close(fd) }
        let startNs = MonotonicClock.now()
        let deadline = startNs + UInt64(scenario.timeoutNs)

        var collector = EventCollector(fd: events[0], limit: TrialRunner.eventLimit(scenario) + n * 64 * max(scenario.buyers.wants, 1))
        var ordered: [Event] = []
        ordered.reserveCapacity(64)
        var processed = 0
        var state = [State](repeating: .running, count: n)
        var lock = LockModel(mode: mode)
        var killPending = [Bool](repeating: false, count: n)
        var killed: Set<Int> = []
        var early: [pid_t: Int32] = [:]
        var lastTask = [Int](repeating: 0, count: n)
        var timedOut = false

        func kill(_ b: Int) {
            Glibc.kill(pids[b], SIGKILL)
            var status: Int32 = 0
            while waitpid(pids[b], &status, 0) < 0 && errno == EINTR {}
            early[pids[b]] = status
            state[b] = .dead
            killed.insert(b)
            ordered.append(Event(tNs: MonotonicClock.now(), buyer: b, task: lastTask[b], kind: .faultKill, value: Int64(SIGKILL)))
            lock.died(b)
        }

        func absorb() {
            while processed < collector.events.count {
                let e = collector.events[processed]
                processed += 1
                guard e.buyer >= 0, e.buyer < n else { continue }
                let b = e.buyer
                ordered.append(e)
                lastTask[b] = e.task
                switch e.kind {
                case .gate: state[b] = .parked(GateOp(rawValue: e.value) ?? .read)
                case .lockAcquired: lock.acquired(by: b)
                case .lockReleased: lock.released(by: b)
                case .done: state[b] = .done
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
                if killPending[b], case .parked = state[b] {
                    killPending[b] = false
                    kill(b)
                }
            }
        }

        /// Reads events until no buyer is between gates (or the timeout).
        func settle() {
            while state.contains(.running) {
                let now = MonotonicClock.now()
                if now >= deadline || tr_interrupted() != 0 { timedOut = true; return }
                let waitMs = Int32(min((deadline - now + 999_999) / 1_000_000, 20))
                let before = collector.events.count
                collector.poll(timeoutMs: waitMs)
                absorb()
                if collector.events.count == before {
                    // Nothing new: a buyer between gates may have died without a word.
                    while true {
                        var status: Int32 = 0
                        let pid = waitpid(-group, &status, WNOHANG)
                        if pid < 0, errno == EINTR { continue }
                        guard pid > 0 else { break }
                        early[pid] = status
                        collector.poll(timeoutMs: 0)
                        absorb()
                        if let b = pids.firstIndex(of: pid), state[b] != .done { state[b] = .dead }
                    }
                    if collector.finished { for b in 0..<n where state[b] == .running { state[b] = .dead } }
                }
            }
        }

        var choices: [Int] = []
        var enabledSets: [[Int]] = []
        var steps: [Step] = []
        var last: Int?
        var deadlocked = false
        var waitFor: String?
        var abandoned = false
        var failure: (any Error)?
        settle()
        // Before the first grant every buyer runs to its first gate at once; those steps
        // touch nothing shared, so list them by buyer: the same history on every replay.
        ordered = ordered.enumerated().sorted { ($0.element.buyer, $0.offset) < ($1.element.buyer, $1.offset) }.map(\.element)
        while !timedOut {
            var ops = [GateOp?](repeating: nil, count: n)
            for b in 0..<n {
                if case .parked(let op) = state[b] { ops[b] = op }
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
            let from = ordered.count
            var go: UInt8 = 1
            if write(gateWrite[b], &go, 1) != 1 { state[b] = .dead }
            settle()
            if recordSteps {
                let mine = ordered[from...].filter { $0.buyer == b && $0.kind != .gate }
                let document = op.writes && op.object == .document ? Self.document(storagePath) : nil
                steps.append(Step(buyer: b, op: op, events: Array(mine), document: document))
            }
        }

        // Teardown: a schedule cut short leaves buyers parked; kill them, never wait.
        if deadlocked || abandoned || timedOut || failure != nil { killpg(group, SIGKILL) }
        for fd in gateWrite { close(fd) }
        let drainUntil = MonotonicClock.now() + 2_000_000_000
        while !collector.finished, MonotonicClock.now() < drainUntil {
            collector.poll(timeoutMs: 50)
        }
        // Events after the end (a killed buyer's last words) are not part of the schedule.
        if !(deadlocked || abandoned || timedOut) { absorb() }
        close(events[0])
        var exits = [BuyerExit](repeating: .unknown, count: n)
        for (b, pid) in pids.enumerated() {
            var status: Int32
            if let seen = early[pid] {
                status = seen
            } else {
                status = 0
                let giveUp = MonotonicClock.now() + 1_000_000_000
                // Every buyer closed the event pipe: each is exiting, so wait for it outright.
                if collector.finished {
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    let signal = status & 0x7f
                    exits[b] = signal == 0 ? .exited(code: (status >> 8) & 0xff) : .signaled(signal: signal)
                    continue
                }
                while true {
                    let r = waitpid(pid, &status, WNOHANG)
                    if r == pid { break }
                    if r < 0 && errno != EINTR { break }
                    if MonotonicClock.now() >= giveUp { Glibc.kill(pid, SIGKILL); while waitpid(pid, &status, 0) < 0 && errno == EINTR {}; break }
                    usleep(200)
                }
            }
            let signal = status & 0x7f
            exits[b] = signal == 0 ? .exited(code: (status >> 8) & 0xff) : .signaled(signal: signal)
        }
        let endNs = MonotonicClock.now()
        if let failure { throw failure }
        if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
        if abandoned { return Outcome(history: nil, choices: choices, enabled: enabledSets, steps: steps) }

        TrialRunner.closeOpenTasks(&ordered, wants: scenario.buyers.wants, exits: exits, timedOut: timedOut || deadlocked,
                                   at: endNs, killed: killed)
        let finalRead = JSONFileStore(path: storagePath, mode: scenario.storage.write, tag: -1).read()
        var history = TrialHistory(
            trial: trial, seed: seed, tickets: scenario.tickets, buyerNames: names, wants: scenario.buyers.wants,
            events: ordered, exits: exits, timedOut: timedOut, finalRead: finalRead,
            startNs: startNs, durationNs: endNs - startNs, lockLabel: mode.label(context),
            incomplete: TrialRunner.gaps(collector.events, malformed: collector.malformed,
                                         overflowed: collector.overflowed ? collector.limit : nil,
                                         buyers: n, timedOut: timedOut || deadlocked, killed: killed))
        history.deadlocked = deadlocked
        return Outcome(history: history, choices: choices, enabled: enabledSets, steps: steps, waitFor: waitFor)
    }

    /// The document's text as the story shows it ("(empty)" right after a truncate).
    static func document(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "(missing)" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            total += got
        }
        if total == 0 { return "(empty)" }
        return String(decoding: bytes[0..<total], as: UTF8.self).trimmingSpaces
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.last, c == "\n" || c == " " { s = s.dropLast() }
        return String(s)
    }
}
