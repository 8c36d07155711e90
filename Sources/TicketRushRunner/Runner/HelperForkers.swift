#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChild

/// Helper forkers (issue 14): the fork loop is serial and no buyer runs before the last fork
/// (the barrier), so forking from two processes on two cores shortens the whole trial.
///
/// Who forks whom (docs/architecture.md): the runner, single-threaded and for the moment a
/// subreaper (PR_SET_CHILD_SUBREAPER), forks H helpers; each helper forks a contiguous share
/// of the buyers, writes their pids into memory it shares with the runner and `_exit`s. Its
/// buyers are then reparented to the runner. The runner waits for every helper (so every
/// buyer exists and is its child), and only then opens the barrier.
///
/// - Group: the first helper leads the trial's process group; every other helper joins it
///   before forking, and buyers inherit it at fork, so `killpg` reaches every buyer, even
///   one whose pid the runner has not learnt yet.
/// - Death: a helper sets PR_SET_PDEATHSIG on the runner. A buyer cannot (the death signal
///   would fire when its helper exits), so it sets it right after the barrier, checking
///   `getppid()` is the runner (`BuyerProcess.run(runner:)`): the runner opens the barrier
///   only after reaping every helper, and a barrier that opens because the runner died
///   (EOF) leaves the buyer with another parent, so it exits before its first step.
/// - Failure: a helper that cannot fork, dies or stops (or an interrupt while waiting):
///   the whole group is killed with SIGKILL and every child in it reaped (helpers and
///   reparented buyers) before the pipes close, and the trial fails (exit 3, or 130).
package enum HelperForkers {
    /// TICKETRUSH_FORKERS: helpers per trial; 0 turns them off (the runner forks every buyer
    /// itself), for A/B runs. Read once.
    nonisolated(unsafe) package static var configured: Int = getenv("TICKETRUSH_FORKERS").flatMap { Int(String(cString: $0)) }.map { max(0, min($0, 8)) } ?? 2

    /// Below this many buyers the runner forks them itself: two extra forks and a wait are
    /// not worth it for a short loop.
    package static let threshold = 64

    /// How many helpers fork this trial's buyers: 0 for small trials and for database
    /// engines (each buyer connects on its own; BuyerKit is nil).
    package static func helpers(buyers: Int, kit: BuyerKit?) -> Int {
        guard kit != nil, buyers >= threshold else { return 0 }
        return min(configured, buyers)
    }

    /// The contiguous share of buyer indices helper `k` of `helpers` forks.
    package static func share(_ k: Int, of helpers: Int, buyers: Int) -> Range<Int> {
        let base = buyers / helpers, extra = buyers % helpers
        let lower = k * base + min(k, extra)
        return lower..<(lower + base + (k < extra ? 1 : 0))
    }

    /// A test hook (TICKETRUSH_TEST_FORKER_FAULT=die:N or fail:N): the last helper kills
    /// itself with SIGKILL, or reports a failed fork (EAGAIN), after forking N buyers.
    package enum Fault: Equatable {
        case die(after: Int)
        case fail(after: Int)

        package static func parse(_ text: String) -> Fault? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let n = Int(parts[1]), n >= 0 else { return nil }
            switch parts[0] {
            case "die": return .die(after: n)
            case "fail": return .fail(after: n)
            default: return nil
            }
        }
    }

    #if DEBUG
    nonisolated(unsafe) static var fault: Fault? = getenv("TICKETRUSH_TEST_FORKER_FAULT").flatMap { Fault.parse(String(cString: $0)) }
    #else
    // Test hooks exist only in debug builds: the shipped binary reads no such variable.
    static var fault: Fault? { nil }
    #endif

    /// A test hook (TICKETRUSH_TEST_FORKER_HOLD=1): the runner stops itself (SIGSTOP) once
    /// every buyer exists (with helpers: every helper reaped), right before the barrier
    /// opens, or after a failed spawn's teardown, so a test can look at its children at that
    /// moment and then SIGCONT or SIGKILL it.
    #if DEBUG
    nonisolated(unsafe) static var hold: Bool = getenv("TICKETRUSH_TEST_FORKER_HOLD").map { String(cString: $0) == "1" } ?? false
    #else
    static var hold: Bool { false }
    #endif

    static func holdForTest() {
        if hold { Sys.kill(getpid(), SIGSTOP) }
    }

    /// Memory the runner shares with its helpers (MAP_SHARED | MAP_ANONYMOUS, made before
    /// they are forked): each buyer's pid by index, and per helper the buyer index + 1 and
    /// errno of a fork that failed. A helper writes it; the runner reads it after reaping
    /// the helper (exit and wait order the writes).
    package struct Board {
        let base: UnsafeMutablePointer<Int32>
        let buyers: Int
        let helpers: Int
        private let bytes: Int

        package init?(buyers: Int, helpers: Int) {
            bytes = (buyers + 2 * helpers) * MemoryLayout<Int32>.stride
            guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
                return nil
            }
            base = raw.bindMemory(to: Int32.self, capacity: buyers + 2 * helpers)
            self.buyers = buyers
            self.helpers = helpers
        }

        func setPid(_ pid: pid_t, buyer: Int) { base[buyer] = pid }
        func pid(buyer: Int) -> pid_t { base[buyer] }

        func setFailure(helper: Int, buyer: Int, code: Int32) {
            base[buyers + 2 * helper + 1] = code
            base[buyers + 2 * helper] = Int32(buyer + 1)
        }

        /// The buyer whose fork failed in helper `helper`, and errno, if any.
        func failure(helper: Int) -> (buyer: Int, code: Int32)? {
            let b = base[buyers + 2 * helper]
            return b > 0 ? (Int(b) - 1, base[buyers + 2 * helper + 1]) : nil
        }

        package func release() { munmap(base, bytes) }
    }
}

extension HelperForkers {
    /// Forks the helpers and waits for them: then every buyer exists and is the runner's
    /// child. `keep`: the buyers' event pipe write end and barrier read end. On failure every
    /// process of the trial is killed and reaped before this throws; the caller then closes
    /// the pipes (never before: a closed barrier would release a live buyer).
    static func spawn(buyers n: Int, helpers: Int, board: Board, plan: TrialPlan, kit: BuyerKit?,
                      keep list: [Int32]) throws -> (pids: [pid_t], group: pid_t, early: [pid_t: Int32]) {
        let runner = getpid()
        // Orphans of a helper must come to the runner, not to init: restored once every helper is reaped.
        let wasSubreaper: Bool
        do {
            wasSubreaper = try Sys.isSubreaper()
            if !wasSubreaper { try Sys.setSubreaper(true) }
        } catch {
            throw RunnerError.failed(error)
        }
        defer { if !wasSubreaper { try? Sys.setSubreaper(false) } }

        let keep = Descriptors(list)
        defer { keep.free() }
        let fault = HelperForkers.fault
        var group: pid_t = 0
        var helperPids: [pid_t] = []
        for k in 0..<helpers {
            let share = HelperForkers.share(k, of: helpers, buyers: n)
            // Not the runner's pipe to a --jobs pool, not the barrier's write end: its buyers
            // inherit exactly their two pipe ends and fds 0–2. Both sides set the group, so
            // the next helper can join it whichever runs first.
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: runner, group: group, keep: keep.fds) {
                    Self.helperLife(k, share: share, group: group, runner: runner, keep: keep.fds, board: board, plan: plan, kit: kit,
                                    fault: k == helpers - 1 ? fault : nil)
                }
            } catch {
                Self.killAndReap(group: group, helpers: helperPids)
                throw RunnerError.failed(error, as: "fork (helper forker \(k + 1))")
            }
            if group == 0 { group = pid }
            helperPids.append(pid)
        }

        let (left, early, failure) = waitFor(helperPids, group: group, buyers: n, board: board)
        if let failure {
            Self.killAndReap(group: group, helpers: left)
            HelperForkers.holdForTest()
            throw failure
        }
        let pids = (0..<n).map { board.pid(buyer: $0) }
        if let missing = pids.firstIndex(where: { $0 <= 0 }) {
            Self.killAndReap(group: group, helpers: [])
            throw RunnerError.forkerFailed("buyer \(missing + 1) has no pid after every helper exited")
        }
        return (pids, group, early)
    }

    /// Waits until every helper has exited: a helper's buyers are the runner's children once
    /// waitpid returns the helper (the kernel reparents them before the helper is a zombie).
    /// Returns the helpers not reaped, exits of buyers seen on the way, and why it stopped early.
    private static func waitFor(_ helperPids: [pid_t], group: pid_t, buyers n: Int,
                                board: Board) -> (left: [pid_t], early: [pid_t: Int32], failure: RunnerError?) {
        var left = helperPids
        var early: [pid_t: Int32] = [:]
        while !left.isEmpty {
            let signal = tr_interrupted()
            if signal != 0 { return (left, early, .interrupted(signal: signal)) }
            let got: (pid: pid_t, status: WaitStatus)?
            do {
                // Blocking: a helper exits or stops soon; an interrupt ends the wait (EINTR, no SA_RESTART).
                got = try Sys.wait(-group, options: WUNTRACED, interruptible: true)
            } catch where error.errno == .interrupted {
                continue
            } catch {
                return (left, early, .failed(error, as: "waitpid (helper forkers)"))
            }
            guard let (pid, status) = got else { continue }
            guard let k = helperPids.firstIndex(of: pid) else {
                // A buyer already reparented to the runner died before the barrier: its exit
                // goes to `reap`. A stop is left to the trial's teardown (SIGCONT follows its signals).
                if !status.isStopped { early[pid] = status.raw }
                continue
            }
            left.removeAll { $0 == pid }
            if let failure = failure(of: k, pid: pid, status: status, helpers: helperPids.count, buyers: n, board: board) {
                return (left, early, failure)
            }
        }
        return (left, early, nil)
    }

    /// Why helper `k` failed, if it did: a fork it reported, or its own stop, death or exit code.
    private static func failure(of k: Int, pid: pid_t, status: WaitStatus, helpers: Int, buyers n: Int, board: Board) -> RunnerError? {
        let share = HelperForkers.share(k, of: helpers, buyers: n)
        let who = "helper \(k + 1) of \(helpers) (pid \(pid), buyers \(share.lowerBound + 1)–\(share.upperBound))"
        if let (buyer, code) = board.failure(helper: k) { return .system(SystemError(call: "fork (buyer \(buyer + 1))", code: code)) }
        if status.isStopped { return .forkerFailed("\(who) was stopped by signal \(status.stopSignal)") }
        if status.signal != 0 { return .forkerFailed("\(who) was killed by signal \(status.signal)") }
        if status.exitCode != 0 { return .forkerFailed("\(who) exited \(status.exitCode)") }
        return nil
    }

    /// A helper's life: dies with the runner, keeps only what its buyers need, joins (or
    /// leads) the trial's group, forks its share, `_exit`s. Never returns.
    private static func helperLife(_ k: Int, share: Range<Int>, group: pid_t, runner: pid_t, keep: UnsafeBufferPointer<Int32>,
                                   board: HelperForkers.Board, plan: TrialPlan, kit: BuyerKit?,
                                   fault: HelperForkers.Fault?) -> Never {
        // The runner's handlers only record a signal: a helper must die of a teardown's SIGTERM.
        tr_reset_signal_handlers()
        // Checked here: a helper outside the trial's group would escape its teardown.
        if Sys.setProcessGroup(0, group) != nil { _exit(3) }
        var forked = 0
        for index in share {
            switch fault {
            case .die(let after)? where forked == after: Sys.kill(getpid(), SIGKILL)
            case .fail(let after)? where forked == after:
                board.setFailure(helper: k, buyer: index, code: EAGAIN)
                _exit(3)
            default: break
            }
            // Its group and descriptors are the helper's; its death signal is set after the barrier.
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: nil, group: nil, keep: nil) {
                    BuyerProcess.run(index: index, plan: plan, eventFd: keep[0], barrierFd: keep[1], kit: kit, runner: runner)
                }
            } catch {
                board.setFailure(helper: k, buyer: index, code: error.errno.rawValue)
                _exit(3)
            }
            board.setPid(pid, buyer: index)
            forked += 1
        }
        _exit(0)
    }

    /// SIGKILL to the trial's group (every helper and buyer, known or not) and to helpers
    /// not yet reaped, then waits for every child in the group until none is left: helpers
    /// first hand their buyers to the runner (subreaper), so this reaps them all.
    static func killAndReap(group: pid_t, helpers: [pid_t]) {
        Sys.killGroup(group, SIGKILL)
        for pid in helpers { Sys.kill(pid, SIGKILL) }
        guard group > 0 else { return }
        // Until ECHILD: nothing of the trial is left.
        while (try? Sys.wait(-group)) != nil {}
    }
}
