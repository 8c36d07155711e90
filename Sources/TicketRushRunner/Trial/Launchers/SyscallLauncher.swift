#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushProcess
import TicketRushSchedule

/// `control: syscalls` (docs/programs.md, "Three kinds of control"): the user's program,
/// unchanged, under a controlled schedule. Each program's process installs a seccomp filter
/// before exec (CommandChild) and hands its listener to the runner; every system call on the
/// store's files comes to the runner as a notification and waits there: a step. Calls on
/// anything else run at once, sleeps return at once (virtual time). The controlled pacer
/// grants one parked step at a time, exactly as it does the built-in buyer's gates.
///
/// The program's processes, pipes and reaping are `SyscallProgram`'s (a ProgramLauncher
/// run as under timing: the barrier opens, each process holds itself at its first store call).
final class SyscallLauncher: GatedLauncher {
    let program: SyscallProgram
    let store: TrialStore
    let classifier: SyscallClassifier
    /// Per buyer: its listener (-1 before it arrives or after it hung up).
    var listeners: [Int32]
    var parked: [SyscallParked?]
    var gone: [Bool]
    var lockModel = LockModel(mode: .none)
    /// Per buyer: the descriptor it holds the store's lock through (flock/fcntl).
    var lockFd: [Int32?]
    var sleeps: [Int]
    /// Per buyer: sleeps counted at its last grant, and what that grant did (for the story).
    var sleepsAtGrant: [Int]
    var lastCall: [String?]
    var reads: [Int]
    var deadlocked = false
    var violation: String?
    /// `program.command`: one listener for the whole tree; a thread that touches the store
    /// becomes the next participant (buyer index), in first-touch order.
    let whole: Bool
    var participant: [pid_t: Int] = [:]
    /// Participants numbered since the last quiet tree (`renumberFresh`).
    var fresh: [Int] = []
    /// Whole program: the processes of its tree last seen (`WholeTree`), and whether a fork
    /// since calls for a full look at /proc.
    var tree = WholeTree()
    /// PostgreSQL or Redis under `buyers.command`: statements to the run's server are steps.
    let network: SyscallNetwork?
    /// The ranged filter (SyscallLauncher+Ranged.swift): store descriptors live in
    /// `Seccomp.range`, and only calls on those are held.
    let ranged: Bool
    /// Why this schedule must run again with every descriptor call held (an escape).
    var fullControl: String?
    /// The trial folder's device and inode: a path that reaches it by a link names the store.
    let folderID: (dev_t, ino_t)

    init(_ session: TrialSession, program config: ProgramConfig, store: TrialStore) {
        program = SyscallProgram(session, program: config, store: store)
        whole = config.mode == .whole
        self.store = store
        let n = session.scenario.buyers.count
        let kind = session.scenario.storage.kind
        network = kind.isServer && !whole
            ? SyscallNetwork(conninfo: store.programAddress.url, trial: session.trial, redis: kind == .redis, mysql: kind == .mariadb) : nil
        program.appNamePrefix = kind == .postgres ? network?.prefix : nil
        classifier = SyscallClassifier(folder: SyscallLauncher.realPath(session.folder))
        ranged = SyscallLauncher.mayRange(session)
        program.ranged = ranged
        var st = stat()
        folderID = stat(classifier.folder, &st) == 0 ? (st.st_dev, st.st_ino) : (0, 0)
        listeners = [Int32](repeating: -1, count: n)
        parked = [SyscallParked?](repeating: nil, count: n)
        gone = [Bool](repeating: false, count: n)
        lockFd = [Int32?](repeating: nil, count: n)
        sleeps = [Int](repeating: 0, count: n)
        sleepsAtGrant = [Int](repeating: 0, count: n)
        lastCall = [String?](repeating: nil, count: n)
        reads = [Int](repeating: 0, count: n)
    }

    deinit { closeListeners() }

    static func realPath(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
    }

    // MARK: Launcher: the program's processes as under timing.

    func open(gated: Bool) throws {
        if let why = Seccomp.unavailable() { throw RunnerError.unsupported(why) }
        if store.scenario.storage.kind.isServer, network == nil {
            throw RunnerError.unsupported("control: syscalls on \(store.scenario.storage.kind) follows the buyers' connections to the server's Unix socket: storage.url must name it (postgres: a conninfo with host=/folder and port=; redis: unix:///socket; mariadb: a URL with ?socket=), not a TCP address")
        }
        try program.open(gated: false)
    }
    func launch() throws -> pid_t { try program.launch() }
    func start() -> UInt64 { program.start() }
    var finished: Bool { program.finished }
    var overflowed: Bool { program.overflowed }
    func poll(timeoutMs: Int32, deadline: UInt64) { program.poll(timeoutMs: timeoutMs, deadline: deadline) }
    func tend(now: UInt64) { program.tend(now: now) }
    func nextWake(now: UInt64) -> UInt64? { program.nextWake(now: now) }
    var pollCapMs: Int32 { program.pollCapMs }
    func teardown() { program.teardown() }
    func cutShort() { program.cutShort() }

    func reap() {
        program.reap()
        closeListeners()
        network?.close()
    }

    private func closeListeners() {
        for (b, fd) in listeners.enumerated() where fd >= 0 {
            Sys.close(fd)
            listeners[b] = -1
        }
    }

    func history(timedOut: Bool, startNs: UInt64, endNs: UInt64) -> TrialHistory {
        program.gate.deadlocked = deadlocked
        return program.history(timedOut: timedOut, startNs: startNs, endNs: endNs)
    }

    // MARK: GatedLauncher

    func ops() -> [GateOp?] { parked.map { $0?.op } }
    var lock: LockModel { lockModel }
    var mark: (Int, Int) { (program.collect.events.count, program.faultEvents.count) }

    func step(of b: Int, since mark: (Int, Int), op: GateOp) -> ControlledStep {
        // A whole program's kill is logged under the buyer its line named: in the granted column.
        let mine = program.collect.events[mark.0...].filter { $0.buyer == b } + program.faultEvents[mark.1...].filter { whole || $0.buyer == b }
        var step = ControlledStep(buyer: b, op: op, events: Array(mine), document: store.storyDocument())
        step.call = lastCall[b]
        return step
    }

    /// Every program's listener (each sends it right after the barrier), then every one at its
    /// first store call or gone.
    func settleFirst(deadline: UInt64) -> Bool {
        if whole { listeners = [Int32](repeating: -1, count: 1) }
        for b in 0..<program.sockets.count {
            let socket = program.sockets[b]
            guard socket >= 0 else { continue }
            defer { Sys.close(socket); program.sockets[b] = -1 }
            while true {
                if tr_interrupted() != 0 || MonotonicClock.now() >= deadline { return false }
                let ready = (try? Sys.poll(socket, timeoutMs: 50)) ?? false
                program.poll(timeoutMs: 0, deadline: 0)
                if ready { break }
            }
            // EOF: the program's process died before its filter was in place; it never ran.
            listeners[b] = (try? Seccomp.receive(over: socket)) ?? -1
            // Hand-overs on one CPU (Linux 6.6): a round trip without a cross-CPU wake-up.
            if listeners[b] < 0 { gone[b] = true } else { Seccomp.syncWakeUp(listeners[b]) }
        }
        return settle(deadline: deadline)
    }

    /// Serves notifications until every program is parked on a store call or gone.
    func settle(deadline: UInt64) -> Bool {
        if whole { return settleWhole(deadline: deadline) }
        var quiet = false
        var drained: UInt64 = 0
        while violation == nil {
            let waiting = (0..<listeners.count).filter { !gone[$0] && parked[$0] == nil }
            if waiting.isEmpty || (quiet && blockedOnServer(waiting)) {
                program.poll(timeoutMs: 0, deadline: 0)
                return true
            }
            let now = MonotonicClock.now()
            if tr_interrupted() != 0 || now >= deadline { return false }
            var fds = waiting.map { pollfd(fd: listeners[$0], events: Int16(POLLIN), revents: 0) }
            let waitMs = Int32(min((deadline - now + 999_999) / 1_000_000, network == nil ? 20 : 5))
            let ready = fds.withUnsafeMutableBufferPointer { (try? Sys.poll($0, timeoutMs: waitMs)) ?? 0 }
            quiet = ready == 0
            for (i, b) in waiting.enumerated() where fds[i].revents != 0 {
                if fds[i].revents & Int16(POLLIN) != 0 {
                    serve(b)
                } else {
                    hungUp(b)
                }
            }
            // Output is drained (no program blocks on a full pipe) and exits recorded when the
            // listeners are idle and every millisecond, not after every held call.
            let after = MonotonicClock.now()
            if ready == 0 || after &- drained > 1_000_000 {
                program.poll(timeoutMs: 0, deadline: 0)
                program.tend(now: after)
                drained = after
            }
        }
        return false
    }

    /// PostgreSQL: every buyer not parked waits on another buyer, as the server says, and
    /// some buyer is parked (with none, the server's deadlock detector ends a wait: keep on).
    func blockedOnServer(_ waiting: [Int]) -> Bool {
        guard let network, parked.contains(where: { $0 != nil }) else { return false }
        do {
            guard try network.allBlocked(waiting) else { return false }
        } catch {
            violation = "asking the server which buyers are blocked: \(error.description)"
            return false
        }
        for b in waiting where !(lastCall[b] ?? "").hasSuffix(SyscallNetwork.blockedMark) { lastCall[b] = (lastCall[b] ?? "") + SyscallNetwork.blockedMark }
        return true
    }

    /// Every process of buyer `b`'s program has exited: it holds no lock any more (the kernel
    /// drops flock and fcntl locks with the last descriptor).
    func hungUp(_ b: Int) {
        Sys.close(listeners[b])
        listeners[b] = -1
        for g in whole ? Array(gone.indices) : [b] {
            gone[g] = true
            if lockModel.holder == g { lockModel.released(by: g) }
            lockFd[g] = nil
        }
    }

    /// One notification on buyer `b`'s listener (a whole program's: the one listener, the
    /// buyer found by its thread): a step parks, anything else is answered at once.
    func serve(_ b: Int) {
        let listener = listeners[b]
        guard let n = (try? Seccomp.receive(from: listener)) ?? nil else { return }
        // A fork or a new thread: the tree grows; it is looked for once the caller sleeps again.
        if SyscallNumber.forks.contains(n.nr) {
            tree.grew = true
            Seccomp.proceed(listener, n.id)
            return
        }
        // Before a participant is named: a thread's first held call may be the escape.
        if ranged, let why = classifier.escape(nr: n.nr, args: n.args, caller(n.tid, lockFd: nil)) {
            escape(why)
            return
        }
        var b = b
        if whole {
            guard let p = participant[n.tid] ?? newParticipant(n) else {
                Seccomp.proceed(listener, n.id)
                return
            }
            b = p
        }
        let caller = self.caller(n.tid, lockFd: lockFd[b])
        switch network?.classify(n, listener: listener, buyer: b) ?? classifier.classify(nr: n.nr, args: n.args, caller) {
        case .pass:
            Seccomp.proceed(listener, n.id)
        case .sleep:
            sleeps[b] += 1
            Seccomp.answer(listener, n.id, value: 0)
        case .refuse(let why):
            violation = "\(program.names[b]): \(why) (docs/programs.md, \"Three kinds of control\")"
            Seccomp.answer(listener, n.id, value: -1, error: EPERM)
        case .escape(let why):
            escape(why)
        case .step(let op, let call):
            if program.killDue(b) {
                if whole { killParticipant(b, tid: n.tid) } else { program.kill(b) }
                return
            }
            // One lock is modelled: the holder locking again (another file, an upgrade) never
            // waits on itself; the step is still held, as a read.
            let relock = op == .acquire && lockModel.holder == b
            parked[b] = SyscallParked(notification: n, op: relock ? .read : op, call: relock ? SyscallCall(kind: .sync, name: call.name, fd: call.fd) : call)
        }
    }

    /// Lets buyer `b`'s parked call run; what it reads or writes becomes its history.
    func grant(_ b: Int) {
        guard let held = parked[b] else { return }
        parked[b] = nil
        if whole {
            program.absorb()
            program.lastGranted = b
        }
        let n = held.notification
        // Only the JSON document's bytes are a count; a database's pages are not read as one.
        let values = store.scenario.storage.kind == .json ? SyscallProc.values(of: held, in: store.path) : SyscallValues()
        switch held.call.kind {
        case .acquire:
            lockModel.acquired(by: b)
            lockFd[b] = held.call.fd
        case .release:
            if lockModel.holder == b { lockModel.released(by: b) }
            lockFd[b] = nil
        default: break
        }
        if held.call.kind == .statement { network?.outstanding.insert(b) } else { network?.outstanding.remove(b) }
        // The buffer read from its memory is this call's only while the call still waits.
        let listener = listeners[whole ? 0 : b]
        let valid = Seccomp.isValid(listener, n.id)
        if ranged, SyscallNumber.opens.contains(n.nr) {
            openForProgram(held, listener: listener)
        } else {
            Seccomp.proceed(listener, n.id)
        }
        // A whole program's lines name their buyers, its threads are numbered by first touch:
        // the two need not agree, so its values are not put in a buyer's history.
        if valid, !whole { record(b, held: held, values: values) }
        let slept = sleeps[b] - sleepsAtGrant[b]
        sleepsAtGrant[b] = sleeps[b]
        lastCall[b] = (slept > 0 ? "slept \(slept)×, " : "") + SyscallLauncher.describe(held.call, values: values, whole: whole)
    }

    /// The events a granted step stands for, in the built-in buyer's terms.
    private func record(_ b: Int, held: SyscallParked, values: SyscallValues) {
        let now = MonotonicClock.now()
        let task = min(program.collect.outcomes[b], program.scenario.buyers.wants - 1)
        func add(_ kind: EventKind, _ value: Int?) {
            program.collect.events.append(Event(tNs: now, buyer: b, task: task, kind: kind, value: value.map(Int64.init) ?? 0))
        }
        let underLock = lockModel.holder == b
        switch held.call.kind {
        case .read where values.atStart:
            reads[b] += 1
            if let count = values.count {
                add(underLock ? .purchaseRead : .searchRead, count)
            } else {
                add(underLock ? .purchaseTorn : .searchTorn, nil)
            }
        case .write where values.atStart:
            if let count = values.count { add(.purchaseWrite, count) }
        case .acquire:
            add(.lockAcquired, nil)
        case .release:
            add(.lockReleased, nil)
        default:
            break
        }
    }
}

extension SyscallLauncher {
    /// What /proc says of thread `tid`, for the classifier.
    func caller(_ tid: pid_t, lockFd: Int32?) -> SyscallClassifier.Caller {
        var caller = SyscallProc.caller(tid, lockFd: lockFd)
        guard ranged else { return caller }
        let (folder, path) = (folderID, classifier.folder)
        caller.aliasesStore = { SyscallProc.aliases(tid, $0, dirfd: $1, folder: folder, folderPath: path) }
        caller.passedDescriptors = { SyscallProc.passedDescriptors(tid, nr: $0, args: $1) }
        return caller
    }

    /// A granted call in a few words: "read → 1", "read → torn", "write ← 0", "flock".
    static func describe(_ call: SyscallCall, values: SyscallValues, whole: Bool) -> String {
        guard values.atStart, !whole else { return call.name }
        switch call.kind {
        case .read: return values.count.map { "read → \($0)" } ?? "read → torn"
        case .write: return values.count.map { "write ← \($0)" } ?? "write (part)"
        default: return call.name
        }
    }
}

/// A parked store call of a program under `control: syscalls`.
struct SyscallParked {
    var notification: Seccomp.Notification
    var op: GateOp
    var call: SyscallCall
}
