#if canImport(Glibc)
import Glibc
#endif

/// A program buyer's keeper (docs/architecture.md, "Who forks whom"): the process the
/// runner forked for a `buyers.command` buyer or a `program.command`, which runs the user's
/// program as its one child instead of becoming it. It is the subreaper of everything the
/// program starts, so every such process stays its descendant — double forks and setsid
/// included (reparenting goes to the nearest living subreaper ancestor) — and it ends that
/// whole tree on either of two ways out:
///
/// - the program exits: whatever it left running is killed (and named on `note`, with the
///   buyer's pipes it still held), then the keeper exits as the program did — so a buyer's
///   end is its exit, never a pipe some leftover keeps open;
/// - the runner dies, of anything (its death signal reaches the keeper as SIGTERM): the
///   tree is killed and reaped, so nothing the runner started outlives it.
///
/// While the runner lives, SIGTERM, SIGINT, SIGHUP and SIGQUIT to the keeper are ignored:
/// the runner stops the program's tree itself (teardown, faults) and the keeper follows.
public enum Keeper {
    /// The signal the runner's death sends the keeper.
    public static let runnerDied = SIGTERM

    /// In the forked child, before the barrier; never returns. `program` runs in the keeper's
    /// one child (it waits at the barrier or its gate, then execs). `watched`: the buyer's
    /// pipe ends (a name for each), to name a leftover that still holds one.
    public static func run(runner: pid_t, watched: [(String, Int32)], note: Int32, program: () -> Never) -> Never {
        let me = getpid()
        _ = signal(SIGPIPE, SIG_IGN)
        let waited = Sys.blockSignals([SIGCHLD, runnerDied, SIGINT, SIGHUP, SIGQUIT])
        try? Sys.setSubreaper(true)
        // Checked after the signal is set: a runner that died before would never send it.
        guard Sys.dieWithParent(runner, signal: runnerDied) else { _exit(3) }
        let pipes = watched.compactMap { name, fd in ProcTable.pipeInode(fd).map { ($0, name) } }
        let child: pid_t
        do {
            child = try Spawn.child(dieWith: me, group: nil, keep: nil, program)
        } catch {
            write(note, "ticketrush: cannot start the program: \(error)\n")
            _exit(126)
        }
        detach(keeping: note)
        var status: WaitStatus?
        var runnerGone = false
        while status == nil && !runnerGone {
            _ = Sys.waitSignal(waited, timeoutMs: 1000)
            status = reapReady(watching: child) ?? status
            runnerGone = getppid() != runner
        }
        // No child left means nothing left at all (a subreaper's): no /proc to read then.
        if hasChildren(child: child, status: &status) {
            if status != nil && !runnerGone { nameLeftovers(below: me, pipes: pipes, note: note) }
            killAll(below: me, child: child, status: &status)
        }
        finish(as: status)
    }

    /// stdin, stdout and stderr onto /dev/null and every other descriptor closed but `note`:
    /// the keeper holds none of the runner's files, nor the program's pipes but that one.
    private static func detach(keeping note: Int32) {
        if let null = try? Sys.open("/dev/null", O_RDWR) {
            // Three calls, not a loop over a range: a debug build would look up the range's
            // conformances in every keeper (nothing the runner did before the fork has them).
            try? Sys.dup2(null, 0)
            try? Sys.dup2(null, 1)
            try? Sys.dup2(null, 2)
            if null > 2 && null != note { Sys.close(null) }
        }
        withUnsafePointer(to: note) { Sys.closeAll(except: UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// Reaps every child that has exited; the program's status if it was one of them.
    private static func reapReady(watching child: pid_t) -> WaitStatus? {
        var found: WaitStatus?
        while let (pid, status) = try? Sys.wait(-1, options: WNOHANG) {
            if pid == child { found = status }
        }
        return found
    }

    /// Whether any child may be left: false only when waitpid says there is none (ECHILD).
    private static func hasChildren(child: pid_t, status: inout WaitStatus?) -> Bool {
        do {
            if let (pid, st) = try Sys.wait(-1, options: WNOHANG), pid == child { status = st }
            return true
        } catch {
            return false
        }
    }

    /// Writes one line per process the program left running: its name, its pid and which
    /// of the buyer's pipes it still held.
    private static func nameLeftovers(below me: pid_t, pipes: [(inode: UInt64, name: String)], note: Int32) {
        let left = ProcTable.descendants(of: me, in: ProcTable.children())
        for pid in left.prefix(20) {
            let inodes = ProcTable.pipes(heldBy: pid, among: Set(pipes.map(\.inode)))
            let held = pipes.filter { inodes.contains($0.inode) }.map(\.name)
            let holding = held.isEmpty ? "" : ", still holding its \(ListText.and(held))"
            write(note, "ticketrush: the program exited leaving \(ProcTable.name(of: pid)) (pid \(pid)) running\(holding): killed\n")
        }
        if left.count > 20 { write(note, "ticketrush: and \(left.count - 20) more processes it left running: killed\n") }
    }

    /// SIGKILL to every descendant, again and again, until none is left (waitpid says there
    /// is no child: under a subreaper, no child means no descendant at all).
    private static func killAll(below me: pid_t, child: pid_t, status: inout WaitStatus?) {
        var pauseNs = 200_000
        while true {
            while true {
                do {
                    guard let (pid, st) = try Sys.wait(-1, options: WNOHANG) else { break }
                    if pid == child { status = st }
                } catch {
                    return  // ECHILD: nothing left below the keeper
                }
            }
            for pid in ProcTable.descendants(of: me, in: ProcTable.children()) { Sys.kill(pid, SIGKILL) }
            var ts = timespec(tv_sec: 0, tv_nsec: pauseNs)
            nanosleep(&ts, nil)
            pauseNs = min(pauseNs * 2, 20_000_000)
        }
    }

    /// Exits as the program did: its code, or the same signal (without a core file).
    private static func finish(as status: WaitStatus?) -> Never {
        guard let status else { _exit(3) }  // the runner died first: nobody reads this
        let sig = status.signal
        if sig == 0 { _exit(status.exitCode) }
        Sys.neverDumpCore()
        _ = signal(sig, SIG_DFL)
        Sys.kill(getpid(), sig)
        Sys.unblockSignal(sig)
        _exit(128 + sig)
    }

    private enum ListText {
        /// "a", "a and b", "a, b and c".
        static func and(_ items: [String]) -> String {
            items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }

    private static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { try? Sys.writeAll(fd, UnsafeRawBufferPointer($0)) }
    }
}
