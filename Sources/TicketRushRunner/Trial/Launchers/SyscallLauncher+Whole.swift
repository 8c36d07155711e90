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
        let caller = SyscallProc.caller(n.tid, lockFd: nil)
        guard case .step = classifier.classify(nr: n.nr, args: n.args, caller) else { return nil }
        guard participant.count < gone.count else {
            violation = "more processes touched the store than buyers.count (\(gone.count)) says the program starts: raise buyers.count to the number of processes that buy"
            return nil
        }
        participant[n.tid] = participant.count
        return participant[n.tid]
    }

    /// Serves the listener until the tree is quiet: two looks at every thread not parked find
    /// it asleep with the same context-switch count, and no call was held between them, so at
    /// that instant nothing ran (and nothing but a timer can wake it).
    func settleWhole(deadline: UInt64) -> Bool {
        var previous: [pid_t: UInt64]?
        // The granted thread runs on to its next held call, which ends the wait at once.
        var waitMs: Int32 = 2
        while violation == nil {
            guard listeners[0] >= 0 else { return true }
            if tr_interrupted() != 0 || MonotonicClock.now() >= deadline { return false }
            var fds = [pollfd(fd: listeners[0], events: Int16(POLLIN), revents: 0)]
            _ = fds.withUnsafeMutableBufferPointer { (try? Sys.poll($0, timeoutMs: waitMs)) ?? 0 }
            program.poll(timeoutMs: 0, deadline: 0)
            program.tend(now: MonotonicClock.now())
            if fds[0].revents != 0 {
                let before = parked.compactMap { $0 }.count
                if fds[0].revents & Int16(POLLIN) != 0 { serve(0) } else { hungUp(0) }
                // A call let through runs on; one parked may leave the tree quiet: look now.
                (previous, waitMs) = (nil, parked.compactMap { $0 }.count > before ? 0 : 2)
                continue
            }
            // Quiet before the first store call is a program still starting (maybe asleep in
            // a wait the runner does not hold): no step yet. Its end hangs the listener up.
            guard !participant.isEmpty else {
                waitMs = 10
                continue
            }
            let parkedTids = Set(parked.compactMap { $0?.notification.tid })
            guard let seen = tree.asleep(below: program.pids.first ?? 0, sparing: parkedTids) else {
                // Some thread runs: its next held call wakes the poll; a look now and then
                // catches it going to sleep without one.
                (previous, waitMs) = (nil, min(max(waitMs * 2, 1), 8))
                continue
            }
            if let previous, previous == seen {
                tree.grew = false
                return true
            }
            (previous, waitMs) = (seen, 0)
        }
        return false
    }
}

/// The processes of a whole program's tree, as the runner last saw them. Found by one walk of
/// /proc at the start and after each fork (the filter holds clone/fork for that); otherwise
/// only their own /proc entries are read.
struct WholeTree {
    var known: Set<pid_t> = []
    var grew = true

    /// Per live thread not in `sparing`: its context switches so far, when every one of them
    /// is asleep (S), stopped or a zombie; nil when one runs or waits on the disk. After a
    /// fork, every look walks /proc again, and a thread asleep inside a fork (its child may
    /// not be in the walk yet) is not quiet, until the tree is found quiet.
    mutating func asleep(below keeper: pid_t, sparing: Set<pid_t>) -> [pid_t: UInt64]? {
        guard keeper > 0 else { return [:] }
        if grew { known = Set(ProcessTree.descendants(of: keeper)) }
        var seen: [pid_t: UInt64] = [:]
        for pid in known {
            let threads = SyscallProc.threads(of: pid)
            if threads.isEmpty { known.remove(pid) }
            for tid in threads where !sparing.contains(tid) {
                guard let (state, switches) = SyscallProc.schedule(pid, tid) else { continue }
                guard "StZX".contains(state) else { return nil }
                if grew, state == "S", let nr = SyscallProc.blockedIn(pid, tid), SyscallNumber.forks.contains(nr) { return nil }
                seen[tid] = switches
            }
        }
        return seen
    }
}

extension SyscallProc {
    static func threads(of pid: pid_t) -> [pid_t] {
        guard let dir = opendir("/proc/\(pid)/task") else { return [] }
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
