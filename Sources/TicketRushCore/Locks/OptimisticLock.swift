#if canImport(Glibc)
import Glibc
#endif

/// No lock while reading and waiting: the document carries a version, and the write
/// happens only if the version is still the one read when the transaction began.
/// The check and the write run under a brief flock on the lock file, so two buyers
/// cannot both pass the check; a buyer that loses retries its purchase.
final class OptimisticLock: BuyerLock {
    private let path: String
    private var fd: Int32 = -1

    init(path: String) { self.path = path }

    func open() -> Int32 {
        fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        return fd >= 0 ? 0 : errno
    }

    // Nothing is held between reading and writing.
    func acquire() -> Int32 { 0 }
    func release() -> Int32 { 0 }

    func commit(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        report(.lockWait)
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { return .written(errno) }
        }
        report(.lockAcquired)
        let result = checkAndWrite(store, count: count, expected: expected, report: report, pause: pause)
        flock(fd, LOCK_UN)
        report(.lockReleased)
        return result
    }

    private func checkAndWrite(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        // Re-read under the lock: only here is the version sure not to move.
        switch store.read() {
        case .count: break
        case .torn: return .conflict(seen: -1)
        case .failed(let code): return .written(code)
        }
        let current = store.version
        if let expected, current != expected { return .conflict(seen: current) }
        report(.purchaseWrite)
        return .written(store.write(count: count, version: current + 1, pause: pause))
    }
}
