/// The lock modes: the one registry the loader, the buyer and the docs read.
public enum LockMode: String, Sendable, Codable, CaseIterable {
    case none
    case flock
    case fcntl
    case semaphore
    case mutex
    case lockfile
    case optimistic

    /// One line on what the mode is.
    public var summary: String {
        switch self {
        case .none: return "no lock at all: the race the tutorial starts from"
        case .flock: return "BSD flock(2) on a lock file beside the storage, opened by each buyer"
        case .fcntl: return "POSIX record lock (fcntl F_OFD_SETLKW, open-file-description lock) on the lock file"
        case .semaphore: return "POSIX named semaphore (sem_open), as Python's multiprocessing.Lock; nothing frees it when its holder dies"
        case .mutex: return "process-shared robust pthread mutex in a shared mapping; recovers from a dead holder (EOWNERDEAD)"
        case .lockfile: return "create a lock file with O_CREAT|O_EXCL, retry with backoff, unlink it to unlock; a dead holder leaves it behind"
        case .optimistic: return "no lock while reading; the write checks the document's version under a brief flock and the purchase retries on conflict"
        }
    }

    /// True when buyers wait for and hold the lock (and report lock.wait/acquired/released);
    /// `none` and `optimistic` never block a buyer before its write.
    public var excludes: Bool { self != .none && self != .optimistic }
}
