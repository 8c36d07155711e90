#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushProcess

/// The teardown sequences live in the process layer; the runner's code and tests name them here.
public typealias Teardown = TicketRushProcess.Teardown

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

/// `Sys.pipe` into a two-slot array; false with errno set.
func openPipe(_ fds: inout [Int32], flags: Int32 = O_CLOEXEC) -> Bool {
    guard let p = try? Sys.pipe(flags: flags) else { return false }
    fds[0] = p.read
    fds[1] = p.write
    return true
}
