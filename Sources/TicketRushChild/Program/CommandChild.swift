#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess

/// A command buyer's (or a whole program's) life after fork (docs/programs.md): into the
/// trial's process group and folder, wait at the start barrier like a built-in buyer (or,
/// with a gate, for the first grant on it), report `start`, then keep the user's program:
/// run it as the one child of this process (`Keeper`), which ends its whole tree when it
/// exits or when the runner dies. Never returns.
///
/// Everything it touches (argv, envp, descriptors) was prepared by the runner before fork.
package enum CommandChild {
    /// The descriptor numbers the program finds its events pipe and gate at.
    package static let eventsFd: Int32 = 3
    package static let gateFd: Int32 = 4

    package static func run(runner: pid_t, argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
                            envp: UnsafePointer<UnsafeMutablePointer<CChar>?>, folder: UnsafePointer<CChar>, barrierFd: Int32, outFd: Int32, errFd: Int32,
                            eventsFd: Int32, gateFd: Int32, listenerSocket: Int32 = -1, ranged: Bool = false) -> Never {
        tr_reset_signal_handlers()
        // This process stays as the program's keeper (its subreaper): nothing the program
        // starts outlives its exit or the runner's death. The program's process is forked now
        // and waits at the barrier (or its gate) itself, so the start costs no extra fork.
        Keeper.run(runner: runner, watched: [("stdout", outFd), ("stderr", errFd), ("events descriptor", eventsFd)], note: errFd) {
            start(folder: folder, barrierFd: barrierFd, eventsFd: eventsFd, gateFd: gateFd)
            if listenerSocket >= 0 { holdSystemCalls(listenerSocket, eventsFd: eventsFd, ranged: ranged) }
            let failure = Spawn.exec(program: argv, environment: envp, out: outFd, err: errFd, events: eventsFd, gate: gateFd)
            // Only here when the exec failed: fds 1–3 are the program's by now.
            report(Self.eventsFd, "{\"event\":\"error\",\"reason\":\"exec failed\",\"value\":\(failure.rawValue)}\n")
            report(2, "ticketrush: exec failed: \(String(cString: argv[0]!)): \(failure)\n")
            _exit(127)
        }
    }

    /// Waits at the barrier (or for the first grant), enters the trial folder and reports
    /// `start`; exits without running the program when the trial never starts.
    private static func start(folder: UnsafePointer<CChar>, barrierFd: Int32, eventsFd: Int32, gateFd: Int32) {
        var byte: UInt8 = 0
        if gateFd >= 0 {
            // A controlled schedule: the start is a grant on the buyer's own gate (no barrier),
            // so the strategy also decides who starts first. EOF: the schedule ended before
            // this buyer was granted; it never runs.
            var got = read(gateFd, &byte, 1)
            while got < 0, errno == EINTR { got = read(gateFd, &byte, 1) }
            if got != 1 { _exit(4) }
        } else if !Barrier.wait(barrierFd) {
            // Opened without the runner's byte: the runner died (its files close before the
            // death signal reaches this process). Never exec the program then.
            _exit(3)
        }
        if chdir(folder) != 0 {
            let code = errno
            report(eventsFd, "{\"event\":\"start\"}\n{\"event\":\"error\",\"reason\":\"exec failed\",\"value\":\(code)}\n")
            _exit(127)
        }
        // The runner records the start when this line arrives: at exec, as near as it can see.
        report(eventsFd, "{\"event\":\"start\"}\n")
    }

    /// `control: syscalls`: the seccomp filter (it survives the exec and is inherited by the
    /// program's own forks), its listener handed to the runner. A program that cannot be
    /// held never runs uncontrolled.
    /// `ranged`: the socket moves to `Seccomp.handover` first, the one descriptor the ranged
    /// filter lets sendmsg run on unheld (the runner has no listener to answer it yet).
    private static func holdSystemCalls(_ socket: Int32, eventsFd: Int32, ranged: Bool) {
        var socket = socket
        do throws(SyscallError) {
            if ranged {
                try Sys.dup2(socket, Seccomp.handover)
                if fcntl(Seccomp.handover, F_SETFD, FD_CLOEXEC) != 0 { throw .current("fcntl(F_SETFD)") }
                _ = Sys.close(socket)
                socket = Seccomp.handover
            }
            let listener = try Seccomp.install(ranged: ranged)
            try Seccomp.send(listener, over: socket)
            _ = Sys.close(listener)
            _ = Sys.close(socket)
        } catch {
            report(eventsFd, "{\"event\":\"error\",\"reason\":\"seccomp failed\",\"value\":\(error.errno.rawValue)}\n")
            _exit(127)
        }
    }

    private static func report(_ fd: Int32, _ line: String) {
        var line = line
        line.withUTF8 { bytes in _ = write(fd, bytes.baseAddress, bytes.count) }
    }
}
