#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// With TICKETRUSH_FORK_TIMING=1, each trial's fork loop prints one line to standard error:
/// `fork-loop buyers=N ns=T helpers=H end=E` (benchmarks/run.sh reads it for the per-child
/// fork cost). T runs from the start of the loop until every buyer exists, just before the
/// barrier opens: with helpers (H > 0) that includes forking them and reaping them. E is that
/// moment on the monotonic clock the buyers stamp their events with (no buyer may start before it).
package enum ForkTiming {
    nonisolated(unsafe) package static var enabled: Bool = getenv("TICKETRUSH_FORK_TIMING").map { String(cString: $0) == "1" } ?? false

    package static func report(buyers: Int, helpers: Int, since startNs: UInt64) {
        guard enabled else { return }
        let end = MonotonicClock.now()
        let line = "fork-loop buyers=\(buyers) ns=\(end - startNs) helpers=\(helpers) end=\(end)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
