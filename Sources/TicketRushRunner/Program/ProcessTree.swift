#if canImport(Glibc)
import Glibc
#endif
import TicketRushProcess
import TicketRushEngines

/// The processes below the runner, read from /proc (`ProcTable`): what a program started
/// (even after it double-forked and its parents died: the runner is their subreaper, and
/// each program's keeper is below it), so teardown can stop every one and nothing outlives
/// the trial.
package enum ProcessTree {
    /// The run's private database servers (docs/storage.md): children of the runner that
    /// outlive every trial by design. They and their subtrees are nobody's descendants here,
    /// so a program trial's teardown leaves them running; the run stops them itself.
    package static var spared: Set<pid_t> { ServerProcess.running }

    /// Every live process's children, by parent pid: one read of /proc.
    package static func children() -> [pid_t: [pid_t]] { ProcTable.children() }

    /// Every live descendant of `root` (not `root` itself), parents before children.
    package static func descendants(of root: pid_t) -> [pid_t] {
        descendants(of: root, in: children())
    }

    /// The descendants of `root` in a `children()` map, the run's servers spared.
    package static func descendants(of root: pid_t, in children: [pid_t: [pid_t]]) -> [pid_t] {
        ProcTable.descendants(of: root, in: children, sparing: spared)
    }

    /// Sends `signal` to the group and to every descendant of the runner (some left the
    /// group). SIGKILL spares `keepers` (program keepers, Keeper.swift): killed below, each
    /// reaps its own tree and exits, so an orphan never passes through the runner.
    package static func signalAll(group: pid_t, _ signal: Int32, keepers: Set<pid_t> = []) {
        let sparing = signal == SIGKILL ? keepers : []
        if sparing.isEmpty { Sys.killGroup(group, signal) }
        for pid in descendants(of: getpid()) where !sparing.contains(pid) { Sys.kill(pid, signal) }
    }

    /// SIGKILLs and reaps every descendant left, until none is (or `limitNs` passed). For
    /// the first `spareNs`, `keepers` are left to finish their own trees and exit.
    package static func killAndReapAll(limitNs: UInt64 = 2_000_000_000, keepers: Set<pid_t> = [], spareNs: UInt64 = 0,
                                       reaped: (pid_t, Int32) -> Void) {
        let me = getpid()
        let start = monotonicNow()
        while true {
            while let (pid, status) = try? Sys.wait(-1, options: WNOHANG) { reaped(pid, status.raw) }
            let left = descendants(of: me)
            let now = monotonicNow()
            if left.isEmpty || now >= start + limitNs { return }
            let sparing = now < start + spareNs ? keepers : []
            for pid in left where !sparing.contains(pid) { Sys.kill(pid, SIGKILL) }
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
