#if canImport(Glibc)
import Glibc
#endif
import TicketRushProcess
import TicketRushEngines

/// The processes below the runner, read from /proc: what a program started (even after it
/// double-forked and its parents died: the runner is their subreaper), so teardown can stop
/// every one and nothing outlives the trial.
package enum ProcessTree {
    /// The run's private database servers (docs/storage.md): children of the runner that
    /// outlive every trial by design. They and their subtrees are nobody's descendants here,
    /// so a program trial's teardown leaves them running; the run stops them itself.
    package static var spared: Set<pid_t> { ServerProcess.running }

    /// Every live process's children, by parent pid: one read of /proc.
    package static func children() -> [pid_t: [pid_t]] { ProcFS.children() }

    /// Every live descendant of `root` (not `root` itself), parents before children.
    package static func descendants(of root: pid_t) -> [pid_t] {
        descendants(of: root, in: children())
    }

    /// The descendants of `root` in a `children()` map, the run's servers spared.
    package static func descendants(of root: pid_t, in children: [pid_t: [pid_t]]) -> [pid_t] {
        ProcFS.descendants(of: root, in: children, sparing: spared)
    }

    /// Sends `signal` to the group and to every descendant of the runner (some left the group).
    package static func signalAll(group: pid_t, _ signal: Int32) {
        Sys.killGroup(group, signal)
        for pid in descendants(of: getpid()) { Sys.kill(pid, signal) }
    }

    /// SIGKILLs and reaps every descendant left, until none is (or `limitNs` passed).
    package static func killAndReapAll(limitNs: UInt64 = 2_000_000_000, reaped: (pid_t, Int32) -> Void) {
        let me = getpid()
        let until = monotonicNow() + limitNs
        while true {
            while let (pid, status) = try? Sys.wait(-1, options: WNOHANG) { reaped(pid, status.raw) }
            let left = descendants(of: me)
            if left.isEmpty || monotonicNow() >= until { return }
            for pid in left { Sys.kill(pid, SIGKILL) }
            var ts = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&ts, nil)
        }
    }

    static func monotonicNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
