#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// Stops the buyer right after it has reported a step a fault targets, so the runner
/// acts (SIGKILL, or SIGCONT later) at exactly that step, every time.
package final class FaultTrigger {
    private var kinds: [EventKind]

    package init(kinds: [EventKind]) { self.kinds = kinds }

    /// Called after each event is on the pipe; stops on the first time of each targeted step.
    package func reached(_ kind: EventKind) {
        guard let i = kinds.firstIndex(of: kind) else { return }
        kinds.remove(at: i)
        raise(SIGSTOP)
    }
}
