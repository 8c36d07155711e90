#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// No lock while reading and waiting: the document carries a version, and the write
/// happens only if the version is still the one read when the transaction began.
/// The check and the write run under a brief flock on the lock file, so two buyers
/// cannot both pass the check; a buyer that loses retries its purchase.
package final class OptimisticLock: BuyerLock {
    /// The brief lock around check-and-write.
    private let commitLock: FlockLock
    /// Under a controlled schedule: the commit lock, the re-read and the release wait for a grant.
    package var gate: Gate?

    package init(file: CPath) { commitLock = FlockLock(file: file) }

    package func open() -> Int32 { commitLock.open() }

    // Nothing is held between reading and writing.
    package func acquire() -> Int32 { 0 }
    package func release() -> Int32 { 0 }

    package func commit(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        report(.lockWait)
        let code: Int32
        if let gate { code = gate.acquire(commitLock) } else { code = commitLock.acquire() }
        if code != 0 { return .written(code) }
        report(.lockAcquired)
        let result = checkAndWrite(store, count: count, expected: expected, report: report, pause: pause)
        gate?.pass(.release)
        _ = commitLock.release()
        report(.lockReleased)
        return result
    }

    private func checkAndWrite(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        // Re-read under the lock: only here is the version sure not to move.
        gate?.pass(.read)
        switch store.read() {
        case .count: break
        case .torn: return .conflict(seen: -1)
        case .failed(let code): return .written(code)
        }
        let current = store.version
        if let expected, current != expected { return .conflict(seen: current) }
        report(.purchaseWrite)
        // The buyer's tag when it has one: distinct, so the equality check above still holds.
        let code = store.write(count: count, version: store.installTag > 0 ? store.installTag : current + 1, pause: pause)
        if code == 0 { report(.keyWrite) }
        return .written(code)
    }
}
