import TicketRushModel
import TicketRushEngines
/// The buyer's side of the lock-mode table (`LockMode.traits`): which type implements a
/// mode, and how messages name it. Adding a mode: its row in the table, its lock type, and
/// a line in each switch here.
extension LockMode {
    /// Makes the lock a buyer uses; called in the child, after fork.
    package func makeLock(_ context: LockContext, buyer: Int) -> any BuyerLock {
        switch self {
        case .none: return NoLock()
        case .flock: return FlockLock(file: context.lockFile)
        case .fcntl: return FcntlLock(file: context.lockFile)
        case .semaphore: return SemaphoreLock(name: context.semaphoreName)
        case .mutex: return MutexLock(path: context.mutexPath)
        case .lockfile: return LockfileLock(file: context.lockFile, buyer: buyer)
        case .optimistic: return OptimisticLock(file: context.lockFile)
        // The engines' modes are their stores (EngineStore); on a file they never validate.
        case .transaction, .rowLock, .atomic, .advisory: return NoLock()
        }
    }

    /// Prepares what buyers share (files, semaphores) before the fork; called in the runner.
    /// What to prepare is the mode's `traits.shares`.
    package func prepare(_ context: LockContext) throws {
        switch traits.shares {
        case .nothing, .createdLockFile: return  // a lockfile must not exist until a buyer takes it
        case .lockFile: try FlockLock.prepare(path: context.lockFilePath)
        case .semaphore: try SemaphoreLock.prepare(name: context.semaphoreName)
        case .mappedFile: try MutexLock.prepare(path: context.mutexPath)
        }
    }

    /// Removes what `prepare` made that outlives the trial folder; runs even when the trial failed.
    package func cleanUp(_ context: LockContext) {
        if traits.shares == .semaphore { SemaphoreLock.cleanUp(name: context.semaphoreName) }
    }

    /// The lock a buyer waits on, for messages: "semaphore /ticketrush-…".
    package func label(_ context: LockContext) -> String {
        func file(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
        switch self {
        case .none: return "no lock"
        case .flock: return "flock on \(file(context.lockFilePath))"
        case .fcntl: return "fcntl lock on \(file(context.lockFilePath))"
        case .semaphore: return "semaphore \(context.semaphoreName)"
        case .mutex: return "robust mutex in \(file(context.mutexPath))"
        case .lockfile: return "lock file \(file(context.lockFilePath))"
        case .optimistic: return "version check under flock on \(file(context.lockFilePath))"
        case .transaction: return "the engine's transaction"
        case .rowLock: return "the engine's row lock"
        case .atomic: return "one atomic statement"
        case .advisory: return "the engine's advisory lock"
        }
    }
}

/// What a lock needs to find its shared object.
package struct LockContext: Sendable {
    /// Absolute path of `<storage>.lock` in the trial folder.
    package let lockFilePath: String
    /// The same, converted once before the fork.
    package let lockFile: CPath
    /// The trial's own semaphore name (`/ticketrush-PID-N`), unlinked after the trial.
    package var semaphoreName: String = ""
    /// Absolute path of `<storage>.mutex`, the shared mapping holding the mutex.
    package var mutexPath: String = ""

    package init(lockFilePath: String, semaphoreName: String = "", mutexPath: String = "") {
        self.lockFilePath = lockFilePath
        self.lockFile = CPath(lockFilePath)
        self.semaphoreName = semaphoreName
        self.mutexPath = mutexPath
    }
}
