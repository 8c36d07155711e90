#if canImport(Glibc)
import Glibc
#endif
import CTicketRush

/// POSIX record lock on the whole lock file, as an open-file-description lock
/// (F_OFD_SETLKW): owned by the buyer's own open of the file, not by the process, so it
/// behaves like flock but through fcntl(2). The kernel drops it when the holder dies.
final class FcntlLock: OwnLockFile, BuyerLock {
    func acquire() -> Int32 {
        tr_ofd_lock(fd, 1) == 0 ? 0 : errno
    }

    func release() -> Int32 {
        tr_ofd_lock(fd, 0) == 0 ? 0 : errno
    }
}
