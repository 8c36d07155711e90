#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// The lock file as one buyer opens it, after fork: its own open file description,
/// which is what flock and OFD locks belong to (an inherited one would exclude nobody).
package class OwnLockFile {
    package let file: CPath
    package private(set) var fd: Int32 = -1

    package init(file: CPath) { self.file = file }

    /// Opens the lock file; returns 0 or an errno.
    package func open() -> Int32 {
        fd = Glibc.open(file.pointer, O_RDWR | O_CLOEXEC)
        return fd >= 0 ? 0 : errno
    }
}
