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
/// word: the schedule moves on when every thread of the tree is parked on a store call or
/// asleep in the kernel (state S), seen so on two scans with no notification between them.
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

    func settleWhole(deadline: UInt64) -> Bool {
        while violation == nil {
            guard listeners[0] >= 0 else { return true }
            let now = MonotonicClock.now()
            if tr_interrupted() != 0 || now >= deadline { return false }
            var fds = [pollfd(fd: listeners[0], events: Int16(POLLIN), revents: 0)]
            _ = fds.withUnsafeMutableBufferPointer { (try? Sys.poll($0, timeoutMs: 1)) ?? 0 }
            program.poll(timeoutMs: 0, deadline: 0)
            program.tend(now: MonotonicClock.now())
            if fds[0].revents != 0 {
                quietScans = 0
                if fds[0].revents & Int16(POLLIN) != 0 { serve(0) } else { hungUp(0) }
                continue
            }
            quietScans = treeIsQuiet() ? quietScans + 1 : 0
            if quietScans >= 2 {
                quietScans = 0
                return true
            }
        }
        return false
    }

    /// Every thread below the keeper is parked on a store call or asleep in the kernel.
    func treeIsQuiet() -> Bool {
        guard let keeper = program.pids.first, keeper > 0 else { return true }
        let parkedTids = Set(parked.compactMap { $0?.notification.tid })
        for pid in ProcessTree.descendants(of: keeper) {
            for tid in SyscallProc.threads(of: pid) where !parkedTids.contains(tid) {
                guard let state = SyscallProc.state(pid, tid) else { continue }
                if state != "S" && state != "Z" && state != "X" { return false }
            }
        }
        return true
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

    /// The state letter of /proc/PID/task/TID/stat (after the command's closing parenthesis).
    static func state(_ pid: pid_t, _ tid: pid_t) -> Character? {
        guard let bytes = readBytes("/proc/\(pid)/task/\(tid)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < bytes.count else { return nil }
        return Character(UnicodeScalar(bytes[close + 2]))
    }
}
