#if canImport(Glibc)
import Glibc
#endif

/// An errno value as a type (swift-system's discipline): a failure is never a loose Int32
/// read from a global some later call may have overwritten.
package struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// errno right now: read it before any other call.
    package static var current: Errno { Errno(rawValue: errno) }

    package static let interrupted = Errno(rawValue: EINTR)
    package static let wouldBlock = Errno(rawValue: EAGAIN)
    package static let noChild = Errno(rawValue: ECHILD)
    package static let exists = Errno(rawValue: EEXIST)
    package static let notImplemented = Errno(rawValue: ENOSYS)

    package var description: String { String(cString: strerror(rawValue)) }
}

/// A system call that failed: which call (as the user reads it, e.g. "fork (buyer 3)") and why.
package struct SyscallError: Error, Equatable, Sendable, CustomStringConvertible {
    package var call: String
    package var errno: Errno

    package init(_ call: String, _ errno: Errno) {
        self.call = call
        self.errno = errno
    }

    /// The failure of `call` with the errno of this moment.
    package static func current(_ call: String) -> SyscallError { SyscallError(call, .current) }

    /// The same failure, named for what the caller was doing.
    package func named(_ call: String) -> SyscallError { SyscallError(call, errno) }

    package var description: String { "\(call): \(errno)" }
}

/// A waitpid status, decoded once.
package struct WaitStatus: Equatable, Sendable {
    package var raw: Int32

    package init(_ raw: Int32) { self.raw = raw }

    /// Stopped (WUNTRACED), not exited: the process still runs.
    package var isStopped: Bool { (raw & 0xff) == 0x7f }
    /// The signal that stopped it.
    package var stopSignal: Int32 { (raw >> 8) & 0xff }
    /// The signal that killed it, or 0.
    package var signal: Int32 { raw & 0x7f }
    /// The exit code when it exited on its own.
    package var exitCode: Int32 { (raw >> 8) & 0xff }
}
