#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushProcess

/// `program.command` under `control: syscalls`: the filter is inherited by every process the
/// program starts, so one listener hears them all. A thread that makes a store call becomes
/// the next participant. The runner cannot see a thread wait in user space (the tutorial's
/// multiprocessing.Lock is a semaphore: a futex when contended), so it reads the kernel's
/// word: the schedule moves on when every thread of the tree is parked on a store call,
/// asleep in the kernel or exited (`WholeTree.asleep`), and not before the program has touched
/// the store or ended. No timed sleep: the listener is polled, and a grant's thread runs at
/// once to its next call.
extension SyscallLauncher {
    /// The participant a thread's first store call makes it; nil when it is no store call
    /// (it runs at once) or every buyer of the scenario is taken (then the schedule stops).
    func newParticipant(_ n: Seccomp.Notification) -> Int? {
        let caller = self.caller(n.tid, lockFd: nil)
        guard case .step = classifier.classify(nr: n.nr, args: n.args, caller) else { return nil }
        guard participant.count < gone.count else {
            violation = "more processes touched the store than buyers.count (\(gone.count)) says the program starts: raise buyers.count to the number of processes that buy"
            return nil
        }
        participant[n.tid] = participant.count
        fresh.append(participant.count - 1)
        return participant[n.tid]
    }

    /// Threads whose first store calls came since the last quiet tree were numbered in the
    /// order the calls arrived, which is the kernel's timing: renumbered among themselves by
    /// thread id, the order the program created them, so a replay gives each grant the same
    /// thread again (the buyer a fault kills is then the same process). Each has only its
    /// first call parked: nothing else of it is recorded yet. (Ids that wrapped would reorder.)
    func renumberFresh() {
        defer { fresh = [] }
        guard fresh.count > 1 else { return }
        let slots = fresh.sorted()
        let tids = participant.filter { slots.contains($0.value) }.map(\.key).sorted()
        let before = (parked, sleeps, participant)
        for (slot, tid) in zip(slots, tids) {
            let old = before.2[tid]!
            participant[tid] = slot
            parked[slot] = before.0[old]
            sleeps[slot] = before.1[old]
        }
    }

    /// A fault's kill of participant `b` at its held call (docs/programs.md, "Faults"): SIGKILL
    /// to its process and every process below it, so the call never runs. Every participant
    /// among them is gone; the kernel drops their file locks. Its parent lives on.
    func killParticipant(_ b: Int, tid: pid_t) {
        let process = SyscallProc.process(of: tid) ?? tid
        let tree = [process] + ProcessTree.descendants(of: process)
        let victims = Set(tree)
        let hit = participant.filter { victims.contains(SyscallProc.process(of: $0.key) ?? $0.key) }.map(\.value)
        program.kill(b, processes: tree)
        for p in Set(hit + [b]) {
            gone[p] = true
            parked[p] = nil
            if lockModel.holder == p { lockModel.released(by: p) }
            lockFd[p] = nil
        }
    }

    /// A whole program whose schedule has nothing left to grant while its tree lives: when
    /// every thread not exited waits in the kernel with no timeout (a futex: a lock or
    /// semaphore in shared memory; a wait for a child), nothing can ever wake one (the tree
    /// was just proven quiet, and sleeps are virtual): a deadlock, judged at once rather than
    /// at the timeout. nil when some thread could still be woken (a timed wait, a read).
    var stuck: String? {
        guard whole, listeners[0] >= 0, !participant.isEmpty, parked.allSatisfy({ $0 == nil }) else { return nil }
        var waits: [String: Int] = [:]
        for (pid, tids) in tree.threads {
            for tid in tids {
                guard let (state, _) = SyscallProc.schedule(pid, tid), !"ZX".contains(state) else { continue }
                guard state == "S", let call = SyscallProc.untimedWait(pid, tid) else { return nil }
                waits[call, default: 0] += 1
            }
        }
        guard !waits.isEmpty else { return nil }
        let calls = waits.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        let killed = program.killedBuyers.sorted().map { program.scenario.buyers.name(of: $0) }
        let dead = killed.isEmpty ? "" : "; killed: " + killed.joined(separator: ", ")
        return "no store call left to grant and every thread of the program waits with no timeout (\(calls)): nothing can wake them\(dead)"
    }

    /// Serves the listener until the tree is quiet (docs/programs.md, "Blocking"): one look at
    /// every thread neither parked nor long exited finds it asleep, and the listener is still
    /// empty after it: then nothing runs. With two or more such threads, one may have woken
    /// another between their looks: a second look must find the same context switches.
    func settleWhole(deadline: UInt64) -> Bool {
        var previous: [pid_t: UInt64]?
        // One look proved quiet, unless a held call arrives before the listener is read again.
        var proven = false
        // The granted thread runs on to its next held call, which ends the wait at once.
        var waitMs: Int32 = 2
        var drained: UInt64 = 0
        while violation == nil {
            guard listeners[0] >= 0 else { return true }
            let now = MonotonicClock.now()
            if tr_interrupted() != 0 || now >= deadline { return false }
            var fds = [pollfd(fd: listeners[0], events: Int16(POLLIN), revents: 0)]
            _ = fds.withUnsafeMutableBufferPointer { (try? Sys.poll($0, timeoutMs: waitMs)) ?? 0 }
            // Output is drained every millisecond (no program blocks on a full pipe), not per call.
            if fds[0].revents == 0 || now &- drained > 1_000_000 {
                program.poll(timeoutMs: 0, deadline: 0)
                program.tend(now: now)
                drained = now
            }
            if fds[0].revents != 0 {
                let before = parked.compactMap { $0 }.count
                if fds[0].revents & Int16(POLLIN) != 0 { serve(0) } else { hungUp(0) }
                // A call let through runs on; one parked may leave the tree quiet: look now.
                (previous, proven, waitMs) = (nil, false, parked.compactMap { $0 }.count > before ? 0 : 2)
                continue
            }
            if proven {
                renumberFresh()
                return tree.quiet()
            }
            // Quiet before the first store call is a program still starting (maybe asleep in
            // a wait the runner does not hold): no step yet. Its end hangs the listener up.
            guard !participant.isEmpty else {
                waitMs = 10
                continue
            }
            let parkedTids = Set(parked.compactMap { $0?.notification.tid })
            guard let look = tree.look(below: program.pids.first ?? 0, sparing: parkedTids) else {
                // Some thread runs: its next held call wakes the poll; a look now and then
                // catches it going to sleep without one.
                (previous, waitMs) = (nil, min(max(waitMs * 2, 1), 4))
                continue
            }
            if look.live <= 1 || previous == look.switches {
                (proven, waitMs) = (true, 0)
                continue
            }
            (previous, waitMs) = (look.switches, 0)
        }
        return false
    }
}

/// The processes and threads of a whole program's tree, as the runner last saw them. Found
/// after each fork (the filter holds clone/fork for that): a process is new only if its pid
/// was handed out since the last quiet tree (`/proc/sys/kernel/ns_last_pid`), so only those
/// are read, not every process on the machine; threads are listed again only then.
struct WholeTree {
    /// Per process of the tree: its threads.
    var threads: [pid_t: [pid_t]] = [:]
    var grew = true
    /// The last pid handed out before the last quiet tree was looked at: a fork since then
    /// has a higher pid (until pids wrap). nil: walk all of /proc.
    var watermark: pid_t?
    private var pendingWatermark: pid_t?
    /// Threads that had exited at the last quiet tree: they wake nobody any more.
    var inert: Set<pid_t> = []
    /// Threads seen exited at the last look.
    var exited: Set<pid_t> = []

    struct Look {
        /// Per thread looked at: its context switches so far.
        var switches: [pid_t: UInt64]
        /// Threads looked at that could have run or woken another since the last quiet tree.
        var live: Int
    }

    /// The tree proven quiet: what had exited by now is inert from here on.
    mutating func quiet() -> Bool {
        if grew { watermark = pendingWatermark }
        grew = false
        inert.formUnion(exited)
        return true
    }

    /// Every live thread not in `sparing`, when each is asleep (S), stopped or exited; nil when
    /// one runs or waits on the disk. After a fork, a thread asleep inside a fork (its child
    /// may not be found yet) is not quiet, and the tree is found again after the looks: a
    /// process or thread found only then (a fork that ended during the looks) was not looked
    /// at, so the tree is not quiet yet.
    mutating func look(below keeper: pid_t, sparing: Set<pid_t>) -> Look? {
        guard keeper > 0 else { return Look(switches: [:], live: 0) }
        if grew { _ = find(below: keeper) }
        var look = Look(switches: [:], live: 0)
        exited = []
        for (pid, tids) in threads {
            var alive: [pid_t] = []
            for tid in tids {
                if sparing.contains(tid) { alive.append(tid); continue }
                guard let (state, switches) = SyscallProc.schedule(pid, tid) else { inert.remove(tid); continue }
                alive.append(tid)
                guard "StZX".contains(state) else { return nil }
                if grew, state == "S", let nr = SyscallProc.blockedIn(pid, tid), SyscallNumber.forks.contains(nr) { return nil }
                look.switches[tid] = switches
                if "ZX".contains(state) { exited.insert(tid) }
                if !inert.contains(tid) { look.live += 1 }
            }
            threads[pid] = alive.isEmpty ? nil : alive
        }
        if grew, find(below: keeper) { return nil }
        return look
    }

    /// The tree's processes and their threads: only pids handed out since the last quiet tree
    /// are read (in order, so a parent comes before its child); all of /proc before the first
    /// quiet tree or when pids wrapped. True when a process or thread was new.
    private mutating func find(below keeper: pid_t) -> Bool {
        let last = SyscallProc.lastPid()
        let before = threads
        if let from = watermark, let last, last >= from {
            for pid in SyscallProc.processes().filter({ $0 > from && $0 <= last }).sorted() where threads[pid] == nil {
                if let parent = ProcTable.parent(of: pid), parent == keeper || threads[parent] != nil { threads[pid] = [] }
            }
        } else {
            for pid in ProcessTree.descendants(of: keeper) where threads[pid] == nil { threads[pid] = [] }
        }
        pendingWatermark = last
        for pid in Array(threads.keys) {
            let tids = SyscallProc.threads(of: pid)
            threads[pid] = tids.isEmpty ? nil : tids
        }
        return threads.contains { pid, tids in before[pid].map { !Set(tids).isSubset(of: $0) } ?? true }
    }
}

extension SyscallProc {
    /// The process (thread group) of thread `tid` (/proc/TID/status, "Tgid:").
    static func process(of tid: pid_t) -> pid_t? { status(tid)?.process }

    /// The call a sleeping thread waits in when no timeout can end it: `futex` (a wait with
    /// no timeout), `wait4`/`waitid` (without WNOHANG); nil for any other call or a timed
    /// wait (/proc/PID/task/TID/syscall: the number, then the arguments in hex).
    static func untimedWait(_ pid: pid_t, _ tid: pid_t) -> String? {
        guard let bytes = readBytes("/proc/\(pid)/task/\(tid)/syscall") else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split { $0 == " " || $0 == "\n" }
        guard let nr = fields.first.flatMap({ Int32($0) }), fields.count >= 7 else { return nil }
        let args = fields[1...6].map { UInt64($0.hasPrefix("0x") ? $0.dropFirst(2) : $0, radix: 16) ?? UInt64.max }
        // x86_64: futex 202, wait4 61, waitid 247 (kept here: SyscallNumber lists held calls).
        switch nr {
        case 202:
            // FUTEX_WAIT (0) or FUTEX_WAIT_BITSET (9), private and clock flags masked; no timeout.
            return [0, 9].contains(args[1] & ~UInt64(384)) && args[3] == 0 ? "futex" : nil
        case 61: return args[2] & UInt64(WNOHANG) == 0 ? "wait4" : nil
        case 247: return args[3] & UInt64(WNOHANG) == 0 ? "waitid" : nil
        default: return nil
        }
    }

    /// The last pid the kernel handed out; nil when it cannot be read.
    static func lastPid() -> pid_t? {
        guard let bytes = readBytes("/proc/sys/kernel/ns_last_pid") else { return nil }
        return pid_t(String(decoding: bytes.prefix { $0 >= 48 && $0 <= 57 }, as: UTF8.self))
    }

    /// Every process /proc lists.
    static func processes() -> [pid_t] { threads(of: nil) }

    /// The threads of `pid` (/proc/PID/task); every process for nil (/proc).
    static func threads(of pid: pid_t?) -> [pid_t] {
        guard let dir = opendir(pid.map { "/proc/\($0)/task" } ?? "/proc") else { return [] }
        defer { closedir(dir) }
        var out: [pid_t] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let tid = pid_t(name) { out.append(tid) }
        }
        return out
    }

    /// The system call a thread is blocked in (/proc/PID/task/TID/syscall, its first field).
    static func blockedIn(_ pid: pid_t, _ tid: pid_t) -> Int32? {
        guard let bytes = readBytes("/proc/\(pid)/task/\(tid)/syscall") else { return nil }
        return Int32(String(decoding: bytes.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }, as: UTF8.self))
    }

    /// The state letter and the voluntary plus involuntary context switches of a thread
    /// (/proc/PID/task/TID/status); nil once it is gone. Read as bytes: it is read twice per
    /// thread per step.
    static func schedule(_ pid: pid_t, _ tid: pid_t) -> (Character, UInt64)? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let fd = open("/proc/\(pid)/task/\(tid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { return nil }
        var state: UInt8 = 0
        var switches: UInt64 = 0
        var i = 0
        while i < n {
            var end = i
            while end < n && buffer[end] != UInt8(ascii: "\n") { end += 1 }
            if buffer[i] == UInt8(ascii: "S"), end - i > 7, buffer[i + 5] == UInt8(ascii: ":") {
                state = buffer[i + 7]  // "State:\tS (sleeping)"
            } else if end > i + 14, buffer[end - 1] >= 48, buffer[end - 1] <= 57, hasSwitches(buffer, i, end) {
                var value: UInt64 = 0
                var d = end - 1
                while d > i && buffer[d] >= 48 && buffer[d] <= 57 { d -= 1 }
                for digit in buffer[(d + 1)..<end] { value = value * 10 + UInt64(digit - 48) }
                switches += value
            }
            i = end + 1
        }
        return state == 0 ? nil : (Character(UnicodeScalar(state)), switches)
    }

    /// Whether line `from..<end` is "voluntary_ctxt_switches:" or "nonvoluntary_ctxt_switches:".
    private static func hasSwitches(_ b: [UInt8], _ from: Int, _ end: Int) -> Bool {
        let key = Array("ctxt_switches:".utf8)
        var colon = from
        while colon < end && b[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < end, colon + 1 - from >= key.count else { return false }
        return Array(b[(colon + 1 - key.count)...colon]) == key
    }
}
