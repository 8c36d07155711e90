#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// Stops the buyer right after it has reported a step a fault targets, so the runner
/// acts (SIGKILL, or SIGCONT later) at exactly that step, every time.
///
/// The targeted steps are one bit per kind code, fixed before the barrier: checking and
/// clearing a bit allocates nothing.
package final class FaultTrigger {
    private var pending: UInt64 = 0

    package init(kinds: [EventKind]) {
        for kind in kinds where kind.rawValue < 64 { pending |= 1 << UInt64(kind.rawValue) }
    }

    /// Called after each event is on the pipe; stops on the first time of each targeted step.
    package func reached(_ kind: EventKind) {
        guard kind.rawValue < 64 else { return }
        let bit: UInt64 = 1 << UInt64(kind.rawValue)
        guard pending & bit != 0 else { return }
        pending &= ~bit
        raise(SIGSTOP)
    }
}
