#if canImport(Glibc)
import Glibc
#endif

/// An errno value as a type (swift-system's discipline): a failure is never a loose Int32
/// read from a global some later call may have overwritten.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// errno right now: read it before any other call.
    public static var current: Errno { Errno(rawValue: errno) }

    public static let interrupted = Errno(rawValue: EINTR)
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let noChild = Errno(rawValue: ECHILD)
    public static let exists = Errno(rawValue: EEXIST)
    public static let notImplemented = Errno(rawValue: ENOSYS)

    public var description: String { String(cString: strerror(rawValue)) }
}

/// A system call that failed: which call (as the user reads it, e.g. "fork (buyer 3)") and why.
public struct SyscallError: Error, Equatable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Errno

    public init(_ call: String, _ errno: Errno) {
        self.call = call
        self.errno = errno
    }

    /// The failure of `call` with the errno of this moment.
    public static func current(_ call: String) -> SyscallError { SyscallError(call, .current) }

    /// The same failure, named for what the caller was doing.
    public func named(_ call: String) -> SyscallError { SyscallError(call, errno) }

    public var description: String { "\(call): \(errno)" }
}

/// A waitpid status, decoded once.
public struct WaitStatus: Equatable, Sendable {
    public var raw: Int32

    public init(_ raw: Int32) { self.raw = raw }

    /// Stopped (WUNTRACED), not exited: the process still runs.
    public var isStopped: Bool { (raw & 0xff) == 0x7f }
    /// The signal that stopped it.
    public var stopSignal: Int32 { (raw >> 8) & 0xff }
    /// The signal that killed it, or 0.
    public var signal: Int32 { raw & 0x7f }
    /// The exit code when it exited on its own.
    public var exitCode: Int32 { (raw >> 8) & 0xff }
}
