#if canImport(Glibc)
import Glibc
#endif

/// A lock as one buyer holds it. Runs in the child only: POSIX calls, no Foundation.
protocol BuyerLock: AnyObject {
    /// Opens the buyer's own handle (before the start barrier); returns 0 or an errno.
    func open() -> Int32
    /// Blocks until the lock is held; returns 0 or an errno.
    func acquire() -> Int32
    /// Gives the lock up; returns 0 or an errno.
    func release() -> Int32
}

/// No concurrency control: every call succeeds at once.
final class NoLock: BuyerLock {
    func open() -> Int32 { 0 }
    func acquire() -> Int32 { 0 }
    func release() -> Int32 { 0 }
}
