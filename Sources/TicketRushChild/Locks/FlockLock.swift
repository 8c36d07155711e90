#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// BSD `flock(2)` on a lock file beside the storage.
///
/// Each buyer opens the file itself: a lock on a descriptor inherited across fork
/// belongs to one shared open file description and excludes nobody.
package final class FlockLock: OwnLockFile, BuyerLock {
    /// Creates the (empty) lock file in the trial folder.
    package static func prepare(path: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, code: errno) }
        Glibc.close(fd)
    }

    package func acquire() -> Int32 {
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { return errno }
        }
        return 0
    }

    package func tryAcquire() -> Int32 {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return EBUSY }
            if errno != EINTR { return errno }
        }
        return 0
    }

    package func release() -> Int32 {
        flock(fd, LOCK_UN) == 0 ? 0 : errno
    }
}
