#if canImport(Glibc)
import Glibc
#endif

/// The lock file as one buyer opens it, after fork: its own open file description,
/// which is what flock and OFD locks belong to (an inherited one would exclude nobody).
class OwnLockFile {
    let path: String
    private(set) var fd: Int32 = -1

    init(path: String) { self.path = path }

    /// Opens the lock file; returns 0 or an errno.
    func open() -> Int32 {
        fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        return fd >= 0 ? 0 : errno
    }
}
