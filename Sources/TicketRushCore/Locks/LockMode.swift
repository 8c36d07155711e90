/// The lock modes: the one registry the loader, the buyer and the docs read.
public enum LockMode: String, Sendable, CaseIterable {
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

    /// Makes the lock a buyer uses; called in the child, after fork.
    func makeLock(_ context: LockContext, buyer: Int) -> any BuyerLock {
        switch self {
        case .none: return NoLock()
        case .flock: return FlockLock(path: context.lockFilePath)
        case .fcntl: return FcntlLock(path: context.lockFilePath)
        case .semaphore: return SemaphoreLock(name: context.semaphoreName)
        case .mutex: return MutexLock(path: context.mutexPath)
        case .lockfile: return LockfileLock(path: context.lockFilePath, buyer: buyer)
        case .optimistic: return OptimisticLock(path: context.lockFilePath)
        }
    }

    /// Prepares what buyers share (files, semaphores) before the fork; called in the runner.
    func prepare(_ context: LockContext) throws {
        switch self {
        case .none, .lockfile: return  // the lock file must not exist until a buyer takes it
        case .flock, .fcntl, .optimistic: try FlockLock.prepare(path: context.lockFilePath)
        case .semaphore: try SemaphoreLock.prepare(name: context.semaphoreName)
        case .mutex: try MutexLock.prepare(path: context.mutexPath)
        }
    }

    /// Removes what `prepare` made that outlives the trial folder; runs even when the trial failed.
    func cleanUp(_ context: LockContext) {
        if self == .semaphore { SemaphoreLock.cleanUp(name: context.semaphoreName) }
    }

    /// The lock a buyer waits on, for messages: "semaphore /ticketrush-…".
    func label(_ context: LockContext) -> String {
        func file(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
        switch self {
        case .none: return "no lock"
        case .flock: return "flock on \(file(context.lockFilePath))"
        case .fcntl: return "fcntl lock on \(file(context.lockFilePath))"
        case .semaphore: return "semaphore \(context.semaphoreName)"
        case .mutex: return "robust mutex in \(file(context.mutexPath))"
        case .lockfile: return "lock file \(file(context.lockFilePath))"
        case .optimistic: return "version check under flock on \(file(context.lockFilePath))"
        }
    }
}

/// What a lock needs to find its shared object.
struct LockContext: Sendable {
    /// Absolute path of `<storage>.lock` in the trial folder.
    var lockFilePath: String
    /// The trial's own semaphore name (`/ticketrush-PID-N`), unlinked after the trial.
    var semaphoreName: String = ""
    /// Absolute path of `<storage>.mutex`, the shared mapping holding the mutex.
    var mutexPath: String = ""
}
