#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// A process-shared, robust pthread mutex in a small file every buyer maps MAP_SHARED.
///
/// The file lives in the trial folder (not /dev/shm), so nothing outlives the trial.
/// When a holder dies the kernel marks the mutex owner-dead; the next locker gets
/// EOWNERDEAD, makes it consistent and reports `lock.recovered`.
package final class MutexLock: BuyerLock {
    private let path: String
    private var mutex: UnsafeMutablePointer<pthread_mutex_t>?

    package static let size = MemoryLayout<pthread_mutex_t>.size

    package init(path: String) { self.path = path }

    /// Creates the file and initialises the mutex in it, before any buyer exists.
    package static func prepare(path: String) throws {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, code: errno) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw SystemError(call: "ftruncate", path: path, code: errno) }
        guard let raw = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), raw != MAP_FAILED else {
            throw SystemError(call: "mmap", path: path, code: errno)
        }
        defer { munmap(raw, size) }
        let m = raw.bindMemory(to: pthread_mutex_t.self, capacity: 1)
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        defer { pthread_mutexattr_destroy(&attr) }
        var rc = pthread_mutexattr_setpshared(&attr, Int32(PTHREAD_PROCESS_SHARED))
        if rc == 0 { rc = pthread_mutexattr_setrobust(&attr, Int32(PTHREAD_MUTEX_ROBUST)) }
        if rc == 0 { rc = pthread_mutex_init(m, &attr) }
        if rc != 0 { throw SystemError(call: "pthread_mutex_init", path: path, code: rc) }
    }

    package func open() -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        guard let raw = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), raw != MAP_FAILED else {
            return errno
        }
        mutex = raw.bindMemory(to: pthread_mutex_t.self, capacity: 1)
        return 0
    }

    package func acquire() -> Int32 {
        guard let mutex else { return EBADF }
        return recovering(pthread_mutex_lock(mutex), mutex)
    }

    package func tryAcquire() -> Int32 {
        guard let mutex else { return EBADF }
        return recovering(pthread_mutex_trylock(mutex), mutex)
    }

    /// EOWNERDEAD means we hold it from a dead holder: say the state it guards is fine
    /// again, or the mutex stays unusable for everyone after us.
    private func recovering(_ rc: Int32, _ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> Int32 {
        guard rc == EOWNERDEAD else { return rc }
        let fixed = pthread_mutex_consistent(mutex)
        return fixed == 0 ? EOWNERDEAD : fixed
    }

    package func release() -> Int32 {
        guard let mutex else { return EBADF }
        return pthread_mutex_unlock(mutex)
    }
}
