#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines

/// POSIX record lock on the whole lock file, as an open-file-description lock
/// (F_OFD_SETLKW): owned by the buyer's own open of the file, not by the process, so it
/// behaves like flock but through fcntl(2). The kernel drops it when the holder dies.
package final class FcntlLock: OwnLockFile, BuyerLock {
    package func acquire() -> Int32 {
        tr_ofd_lock(fd, 1) == 0 ? 0 : errno
    }

    package func tryAcquire() -> Int32 {
        if tr_ofd_trylock(fd) == 0 { return 0 }
        return errno == EAGAIN || errno == EACCES ? EBUSY : errno
    }

    package func release() -> Int32 {
        tr_ofd_lock(fd, 0) == 0 ? 0 : errno
    }
}
