#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushProcess

/// The program launcher under `control: syscalls`: as under timing (barrier, pipes, keeper),
/// but each program's process also gets one end of a socket pair, over which it hands the
/// runner its seccomp listener right before exec (CommandChild).
final class SyscallProgram: ProgramLauncher {
    /// Per process: the runner's end of its socket pair (-1 once the listener arrived).
    var sockets: [Int32] = []
    /// Faults at a step (docs/programs.md, "Faults"): buyer → step → fault. A kill lands at
    /// the buyer's next held call, which never runs; not when a line arrives, as under timing.
    var stepPlan: [Int: [EventKind: Int]] = [:]
    var performed: [Int] = []
    var killPending: Set<Int> = []
    var killedBuyers: Set<Int> = []
    var faultEvents: [Event] = []
    private var absorbed = 0
    /// A whole program: the participant granted last, whose lines arrive until its next grant
    /// (only it was let run), and per participant the buyer its fault's line named.
    var lastGranted: Int?
    var victimName: [Int: Int] = [:]
    /// The ranged filter (store descriptors in `Seccomp.range`, SyscallLauncher.ranged).
    var ranged = false

    override init(_ session: TrialSession, program: ProgramConfig, store: TrialStore) {
        super.init(session, program: program, store: store)
        // A whole program's plan is by the buyers its lines name (ProgramLauncher builds none).
        stepPlan = program.mode == .whole
            ? FaultInjector(faults: scenario.faults, buyers: scenario.buyers.count, seed: session.seed, timeScale: scenario.timeScale).plan
            : injector.plan
        performed = [Int](repeating: 0, count: scenario.faults.count)
        injector = FaultInjector(faults: [], buyers: scenario.buyers.count, seed: session.seed, timeScale: scenario.timeScale)
    }

    deinit { for fd in sockets where fd >= 0 { Sys.close(fd) } }

    override var appliedFaults: ([Event], Set<Int>) { (faultEvents, killedBuyers) }

    /// Whether a kill is due for buyer `b` (a whole program's participant), now at a held
    /// call: every event so far (its lines are read first) is checked against the plan. A
    /// whole program's line names a buyer; the process that printed it is the participant
    /// granted last. A stall is not granting: ignored.
    func killDue(_ b: Int) -> Bool {
        guard !stepPlan.isEmpty else { return false }
        absorb()
        return killPending.contains(b)
    }

    /// Reads the lines so far and books the kills they call for. For a whole program it runs
    /// before each grant too: a line its printer wrote before falling asleep without a held
    /// call (on a lock another holds) is then still the printer's, not the next granted one's.
    func absorb() {
        guard !stepPlan.isEmpty else { return }
        poll(timeoutMs: 0, deadline: 0)
        let whole = !perBuyer
        while absorbed < collect.events.count {
            let e = collect.events[absorbed]
            absorbed += 1
            guard let index = stepPlan[e.buyer]?[e.kind] else { continue }
            let victim = whole ? lastGranted : e.buyer
            // A line before any grant was printed by no participant the runner let run.
            guard let victim, victimName[victim] == nil || !whole else { continue }
            stepPlan[e.buyer]?[e.kind] = nil
            let fault = scenario.faults[index]
            if case .kill = fault.action, fault.limit.map({ performed[index] < $0 }) ?? true {
                performed[index] += 1
                killPending.insert(victim)
                if whole { victimName[victim] = e.buyer }
            }
        }
    }

    /// SIGKILL to everything below buyer `b`'s keeper, which follows it; its listener hangs up.
    /// A whole program's participant: `processes`, its process and what that started.
    func kill(_ b: Int, processes: [pid_t]? = nil) {
        killPending.remove(b)
        let buyer = victimName[b] ?? b
        if let processes {
            for pid in processes { Sys.kill(pid, SIGKILL) }
        } else {
            ProgramTrial.signalBuyer(pids[b], SIGKILL)
        }
        killedBuyers.insert(buyer)
        faultEvents.append(Event(tNs: MonotonicClock.now(), buyer: buyer, task: collect.lastTask[buyer], kind: .faultKill, value: Int64(SIGKILL)))
    }

    override func launch() throws -> pid_t {
        let parent = getpid()
        sockets = [Int32](repeating: -1, count: procCount)
        for p in 0..<procCount {
            var ends = [(read: Int32, write: Int32)]()
            do {
                for _ in 0..<3 { ends.append(try Sys.pipe()) }
                try launchHeld(p, ends: ends, parent: parent)
            } catch {
                for e in ends { Sys.close(e.read); Sys.close(e.write) }
                abandon()
                throw RunnerError.failed(error, as: "\(error.call) (buyer \(p + 1))")
            }
        }
        return group
    }

    /// Forks process `p` as ProgramLauncher does under timing, with its socket's child end.
    private func launchHeld(_ p: Int, ends: [(read: Int32, write: Int32)], parent: pid_t) throws(SyscallError) {
        let (argv, envp) = (launchStrings!.argv[p], launchStrings!.envp[p])
        let (folder, barrier, ranged) = (folderC, barrier, ranged)
        let pair = try Seccomp.socketPair()
        let pid: pid_t
        do {
            pid = try Spawn.child(dieWith: parent, group: group, keep: nil) {
                Sys.close(barrier.write)
                Sys.close(pair.runner)
                CommandChild.run(runner: parent, argv: argv, envp: envp, folder: folder, barrierFd: barrier.read,
                                 outFd: ends[1].write, errFd: ends[2].write, eventsFd: ends[0].write, gateFd: -1,
                                 listenerSocket: pair.child, ranged: ranged)
            }
        } catch {
            Sys.close(pair.runner)
            Sys.close(pair.child)
            throw error
        }
        Sys.close(pair.child)
        sockets[p] = pair.runner
        for s in 0..<3 { Sys.close(ends[s].write) }
        if group == 0 { group = pid }
        procs[p].pid = pid
        for s in 0..<3 {
            try? Sys.setNonBlocking(ends[s].read)
            pollSet[p * 3 + s].fd = ends[s].read
        }
        openStreams += 3
    }
}

/// What a granted read or write carried: whether it was at the document's start, and the
/// count in it (nil: not a whole `{"count": N}`, a torn read when read).
struct SyscallValues {
    var atStart = false
    var count: Int?
}

/// What /proc says about a program's thread, for the classifier and the values.
enum SyscallProc {
    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func caller(_ tid: pid_t, lockFd: Int32?) -> SyscallClassifier.Caller {
        SyscallClassifier.Caller(
            fdPath: { link("/proc/\(tid)/fd/\($0)") },
            cwd: { link("/proc/\(tid)/cwd") },
            string: { Seccomp.readString(tid, at: $0) },
            lockType: { address in
                guard let b = Seccomp.readMemory(tid, at: address, count: 2), b.count == 2 else { return nil }
                return Int16(bitPattern: UInt16(b[0]) | UInt16(b[1]) << 8)
            },
            locksThrough: { $0 == lockFd })
    }

    /// The first 64 KiB of a file; nil when it cannot be opened.
    static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while total < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            total += got
        }
        return Array(bytes[0..<total])
    }

    /// The file offset of descriptor `fd` of `tid` (/proc/TID/fdinfo/N, "pos:").
    static func offset(_ tid: pid_t, _ fd: Int32) -> UInt64? {
        guard let bytes = readBytes("/proc/\(tid)/fdinfo/\(fd)") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("pos:") {
            return UInt64(line.dropFirst(4).filter { $0 != " " && $0 != "\t" })
        }
        return nil
    }

    /// Read: the bytes it is about to read (every other program is parked, so they are the
    /// kernel's too). Write: the bytes from its memory. Only what starts at offset 0 counts.
    static func values(of held: SyscallParked, in path: String) -> SyscallValues {
        let n = held.notification
        guard let fd = held.call.fd, held.call.kind == .read || held.call.kind == .write else { return SyscallValues() }
        let positional = n.nr == SyscallNumber.pread64 || n.nr == SyscallNumber.pwrite64
        let vectored = [SyscallNumber.readv, SyscallNumber.writev, SyscallNumber.preadv, SyscallNumber.pwritev].contains(n.nr)
        guard !vectored, let pos = positional ? n.args[3] : offset(n.tid, fd), pos == 0 else { return SyscallValues() }
        let limit = Int(min(n.args[2], 1 << 16))
        if held.call.kind == .write {
            guard let bytes = Seccomp.readMemory(n.tid, at: n.args[1], count: limit) else { return SyscallValues() }
            return SyscallValues(atStart: true, count: StoreDocument.count(bytes))
        }
        let content = readBytes("/proc/\(n.tid)/fd/\(fd)") ?? []
        return SyscallValues(atStart: true, count: StoreDocument.count(Array(content.prefix(limit))))
    }
}
