#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Why the runner itself could not run a trial (exit code 3), or was interrupted.
package enum RunnerError: Error, CustomStringConvertible, Sendable {
    case notSingleThreaded(threads: Int)
    /// The thread count could not be read (no /proc): forking is refused, not risked.
    case threadsUnknown(folder: String, code: Int32)
    case system(SystemError)
    case interrupted(signal: Int32)
    case badWorkFolder(String)
    /// A `--jobs` worker process reported a failure of its own.
    case workerFailed(String)
    /// A helper forker died or stopped before forking its share of the buyers.
    case forkerFailed(String)
    /// A controlled schedule could not be followed (a replay string that diverged or ran
    /// past the end): the user's input, so exit 2.
    case schedule(String)
    /// A search's program did not repeat itself under the same grants (the enabled buyers
    /// differed), in every attempt: uncontrolled nondeterminism, no verdict, exit 3.
    case diverged(String)
    /// The kernel lacks what the scenario needs (seccomp user notification for
    /// `control: syscalls`): no verdict, exit 3.
    case unsupported(String)

    package var description: String {
        switch self {
        case .notSingleThreaded(let n):
            return "refusing to fork: the runner has \(n) threads (fork is only safe single-threaded)"
        case .threadsUnknown(let folder, let code):
            return "refusing to fork: cannot count the runner's threads in \(folder) (\(String(cString: strerror(code)))); fork is only safe single-threaded"
        case .system(let e):
            return e.description
        case .interrupted(let signal):
            return "interrupted by signal \(signal); buyers stopped and reaped"
        case .badWorkFolder(let why):
            return why
        case .workerFailed(let why):
            return "a trial worker failed: \(why)"
        case .forkerFailed(let why):
            return "a helper forker failed: \(why); every process of the trial was killed and reaped"
        case .schedule(let why), .unsupported(let why), .diverged(let why):
            return why
        }
    }
}
