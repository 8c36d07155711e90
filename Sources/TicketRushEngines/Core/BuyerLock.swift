#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// A lock as one buyer holds it. Runs in the child only: POSIX calls, no Foundation.
package protocol BuyerLock: AnyObject {
    /// Opens the buyer's own handle (before the start barrier); returns 0 or an errno.
    func open() -> Int32
    /// Blocks until the lock is held; returns 0, `EOWNERDEAD` when it was taken over
    /// from a holder that died (and is consistent again), or an errno.
    func acquire() -> Int32
    /// Takes the lock only if it is free now: 0, `EOWNERDEAD` (taken over from a dead
    /// holder), `EBUSY` when someone holds it, or an errno. Controlled schedules use this.
    func tryAcquire() -> Int32
    /// Gives the lock up; returns 0 or an errno.
    func release() -> Int32
    /// Writes the purchase, reporting its steps through `report` (`purchase.write` just
    /// before the write, `key.write` once it landed, before any lock is let go). Excluding locks simply write; optimistic takes its brief commit
    /// lock (reporting lock.wait/acquired/released), writes only if the document is still
    /// at `expected` (nil: no check) and otherwise reports a conflict.
    func commit(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult
}

/// How a purchase's write went.
package enum CommitResult: Equatable {
    /// The write was attempted; 0 or an errno.
    case written(Int32)
    /// Optimistic: the document had moved on to this version; nothing was written.
    case conflict(seen: Int)
    /// Databases: the engine rolled the transaction back (busy, serialization failure,
    /// deadlock, a version conflict); the purchase starts again.
    case retry(RetryReason)
    /// Databases, atomic: the one statement decremented the count to this.
    case decremented(to: Int)
    /// Databases, atomic: the statement found no ticket left; nothing was written.
    case soldOut
    /// Databases: the engine failed the write with this code (`EngineCode`).
    case failed(engineCode: Int64)
}

extension BuyerLock {
    /// Locks that never block (none, optimistic's outer lock) just acquire.
    package func tryAcquire() -> Int32 { acquire() }

    package func commit(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        report(.purchaseWrite)
        let code = store.write(count: count, pause: pause)
        if code == 0 { report(.keyWrite) }
        return .written(code)
    }
}

/// No concurrency control: every call succeeds at once.
package final class NoLock: BuyerLock {
    package init() {}
    package func open() -> Int32 { 0 }
    package func acquire() -> Int32 { 0 }
    package func release() -> Int32 { 0 }
}
