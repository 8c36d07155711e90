#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines

/// A POSIX named semaphore with value 1 (what Python's multiprocessing.Lock is).
///
/// Nothing releases it when its holder dies: the other buyers wait for ever. They wait
/// in short timed slices so a stop or a signal never leaves them stuck in the call,
/// and the runner's timeout ends the trial and diagnoses the dead holder.
package final class SemaphoreLock: BuyerLock {
    private let name: String
    private var sem: UnsafeMutablePointer<sem_t>?

    /// How long one wait lasts before the buyer waits again.
    package static let sliceNs = 100_000_000

    package init(name: String) { self.name = name }

    /// Creates the trial's semaphore; a leftover of the same name is replaced.
    package static func prepare(name: String) throws {
        if tr_sem_create(name, 1) == 0 { return }
        guard errno == EEXIST else { throw SystemError(call: "sem_open", path: name, code: errno) }
        sem_unlink(name)
        if tr_sem_create(name, 1) != 0 { throw SystemError(call: "sem_open", path: name, code: errno) }
    }

    /// Removes the name; called whatever happened in the trial.
    package static func cleanUp(name: String) {
        sem_unlink(name)
    }

    package func open() -> Int32 {
        sem = tr_sem_open(name)
        return sem != nil ? 0 : errno
    }

    package func acquire() -> Int32 {
        guard let sem else { return EBADF }
        while true {
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_nsec += Self.sliceNs
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1
                deadline.tv_nsec -= 1_000_000_000
            }
            if sem_timedwait(sem, &deadline) == 0 { return 0 }
            if errno != ETIMEDOUT && errno != EINTR { return errno }
        }
    }

    package func tryAcquire() -> Int32 {
        guard let sem else { return EBADF }
        while sem_trywait(sem) != 0 {
            if errno == EAGAIN { return EBUSY }
            if errno != EINTR { return errno }
        }
        return 0
    }

    package func release() -> Int32 {
        guard let sem else { return EBADF }
        return sem_post(sem) == 0 ? 0 : errno
    }
}
