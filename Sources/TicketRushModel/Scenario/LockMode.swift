/// The lock modes: the one registry the loader, the lint rules, the schedule's lock model,
/// the buyer and the docs read. Each mode's facts are one row of `traits`; nothing else
/// states them (docs/locks.md, "Adding a lock mode").
public enum LockMode: String, Sendable, Codable, CaseIterable {
    case none
    case flock
    case fcntl
    case semaphore
    case mutex
    case lockfile
    case optimistic
    /// Database engines (docs/storage.md): a transaction, a row lock, one atomic
    /// statement, an advisory lock.
    case transaction
    case rowLock = "row-lock"
    case atomic
    case advisory

    /// The table: one row per mode.
    public var traits: LockTraits {
        switch self {
        case .none:
            return LockTraits("no lock at all: the race the tutorial starts from",
                              excludes: false, deadHolder: .holdsNone, reportsLockSteps: false, engineRuns: true)
        case .flock:
            return LockTraits("BSD flock(2) on a lock file beside the storage, opened by each buyer",
                              deadHolder: .released, shares: .lockFile)
        case .fcntl:
            return LockTraits("POSIX record lock (fcntl F_OFD_SETLKW, open-file-description lock) on the lock file",
                              deadHolder: .released, shares: .lockFile)
        case .semaphore:
            return LockTraits("POSIX named semaphore (sem_open), as Python's multiprocessing.Lock; nothing frees it when its holder dies",
                              deadHolder: .neverReleased, shares: .semaphore)
        case .mutex:
            return LockTraits("process-shared robust pthread mutex in a shared mapping; recovers from a dead holder (EOWNERDEAD)",
                              deadHolder: .released, shares: .mappedFile, reportsRecovery: true)
        case .lockfile:
            return LockTraits("create a lock file with O_CREAT|O_EXCL, retry with backoff, unlink it to unlock; a dead holder leaves it behind",
                              deadHolder: .neverReleased, shares: .createdLockFile)
        case .optimistic:
            return LockTraits("no lock while reading; the write checks the version (json: under a brief flock; sqlite/postgres/mariadb: UPDATE … WHERE version = :seen; redis: WATCH/MULTI/EXEC) and the purchase retries on conflict",
                              excludes: false, deadHolder: .released, shares: .lockFile, retriesOnConflict: true, engineRuns: true)
        case .transaction:
            return LockTraits("databases: the purchase in a transaction (sqlite BEGIN DEFERRED; postgres BEGIN ISOLATION LEVEL storage.isolation; mariadb SET TRANSACTION ISOLATION LEVEL storage.isolation, START TRANSACTION; redis MULTI/EXEC around the write only); busy, serialization failure or deadlock → retry",
                              deadHolder: .engine, engineOnly: true)
        case .rowLock:
            return LockTraits("sqlite: BEGIN IMMEDIATE; postgres, mariadb: SELECT … FOR UPDATE in a transaction (not redis)",
                              deadHolder: .engine, engineOnly: true)
        case .atomic:
            return LockTraits("databases: one statement checks and decrements (UPDATE … SET count = count - 1 WHERE count > 0 RETURNING count; mariadb: without RETURNING, the new count read after; redis: a Lua script)",
                              excludes: false, deadHolder: .holdsNone, engineOnly: true, reportsLockSteps: false)
        case .advisory:
            return LockTraits("postgres: pg_advisory_xact_lock in the transaction; mariadb: GET_LOCK before it, RELEASE_LOCK after; redis: SET lock NX PX lock.ttl, released by a compare-and-delete script (not sqlite)",
                              deadHolder: .engine, engineOnly: true)
        }
    }

    /// One line on what the mode is.
    public var summary: String { traits.summary }

    /// True when buyers wait for and hold the lock (and report lock.wait/acquired/released);
    /// `none`, `optimistic` and `atomic` never block a buyer before its write.
    public var excludes: Bool { traits.excludes }

    /// Modes only a database engine runs (json has no transactions, rows or server).
    public var isEngineMode: Bool { traits.engineOnly }
}

/// One mode's facts.
public struct LockTraits: Sendable, Equatable {
    /// What happens to the lock when its holder dies.
    public enum DeadHolder: Sendable, Equatable {
        /// The mode holds no lock a buyer could die in.
        case holdsNone
        /// The kernel (or the robust mutex) frees it at once.
        case released
        /// Nothing frees it: the others wait for ever (until the trial's timeout).
        case neverReleased
        /// The engine decides (a dropped connection aborts its transaction; redis' key expires
        /// after lock.ttl): docs/storage.md, "When the holder dies".
        case engine
    }

    /// What the buyers share in the trial folder (prepared by the runner before the fork).
    public enum Shared: Sendable, Equatable {
        case nothing
        /// `<storage>.lock`, created before the fork.
        case lockFile
        /// `<storage>.lock`, which must not exist until a buyer takes it.
        case createdLockFile
        /// A named POSIX semaphore, unlinked after the trial.
        case semaphore
        /// `<storage>.mutex`, a shared mapping.
        case mappedFile
    }

    public let summary: String
    /// Buyers wait for and hold it (and report lock.wait/acquired/released).
    public let excludes: Bool
    public let deadHolder: DeadHolder
    public let shares: Shared
    /// Runs only on a database engine (which engines: their descriptors' `modes`).
    public let engineOnly: Bool
    /// A database engine runs it itself (its store is the lock), not a file lock beside it.
    public let engineRuns: Bool
    /// Reports lock.wait/acquired/released.
    public let reportsLockSteps: Bool
    /// Reports lock.recovered (a dead holder's lock taken over).
    public let reportsRecovery: Bool
    /// Reports purchase.retry when the version moved.
    public let retriesOnConflict: Bool

    public init(_ summary: String, excludes: Bool = true, deadHolder: DeadHolder, shares: Shared = .nothing,
                engineOnly: Bool = false, reportsLockSteps: Bool = true, reportsRecovery: Bool = false,
                retriesOnConflict: Bool = false, engineRuns: Bool? = nil) {
        self.summary = summary
        self.excludes = excludes
        self.deadHolder = deadHolder
        self.shares = shares
        self.engineOnly = engineOnly
        self.engineRuns = engineRuns ?? engineOnly
        self.reportsLockSteps = reportsLockSteps
        self.reportsRecovery = reportsRecovery
        self.retriesOnConflict = retriesOnConflict
    }

    /// A dead holder's lock is freed without waiting (kernel, robust mutex, or nothing was held).
    public var releasedOnDeath: Bool { deadHolder == .released || deadHolder == .holdsNone }
}
