import TicketRushModel
import TicketRushProcess

/// The teardown sequences live in the process layer; the runner's code and tests name them here.
package typealias Teardown = TicketRushProcess.Teardown

extension SystemError {
    /// A process-layer failure as the runner reports it (exit 3).
    init(_ e: SyscallError) { self.init(call: e.call, code: e.errno.rawValue) }
}

extension RunnerError {
    /// A failed system call, named for what the runner was doing ("fork (buyer 3)").
    static func failed(_ e: SyscallError, as call: String? = nil) -> RunnerError {
        .system(SystemError(call.map(e.named) ?? e))
    }
}
