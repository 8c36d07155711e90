#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// With TICKETRUSH_FORK_TIMING=1, each trial's fork loop prints one line to standard error:
/// `fork-loop buyers=N ns=T` (benchmarks/run.sh reads it for the per-child fork cost).
package enum ForkTiming {
    nonisolated(unsafe) package static var enabled: Bool = getenv("TICKETRUSH_FORK_TIMING").map { String(cString: $0) == "1" } ?? false

    package static func report(buyers: Int, since startNs: UInt64) {
        guard enabled else { return }
        let line = "fork-loop buyers=\(buyers) ns=\(MonotonicClock.now() - startNs)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
