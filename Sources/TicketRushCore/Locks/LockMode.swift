/// The lock modes: the one registry the loader, the buyer and the docs read.
public enum LockMode: String, Sendable, CaseIterable {
    case none
    case flock

    /// One line on what the mode is.
    public var summary: String {
        switch self {
        case .none: return "no lock at all: the race the tutorial starts from"
        case .flock: return "BSD flock(2) on a lock file beside the storage, opened by each buyer"
        }
    }

    /// Makes the lock a buyer uses; called in the child, after fork.
    func makeLock(_ context: LockContext) -> any BuyerLock {
        switch self {
        case .none: return NoLock()
        case .flock: return FlockLock(path: context.lockFilePath)
        }
    }

    /// Prepares what buyers share (files, semaphores) before the fork; called in the runner.
    func prepare(_ context: LockContext) throws {
        switch self {
        case .none: return
        case .flock: try FlockLock.prepare(path: context.lockFilePath)
        }
    }

    /// Removes what `prepare` made that outlives the trial folder.
    func cleanUp(_ context: LockContext) {}
}

/// What a lock needs to find its shared object.
struct LockContext: Sendable {
    /// Absolute path of `<storage>.lock` in the trial folder.
    var lockFilePath: String
}
