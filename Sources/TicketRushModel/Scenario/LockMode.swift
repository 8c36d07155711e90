/// The lock modes: the one registry the loader, the buyer and the docs read.
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

    /// One line on what the mode is.
    public var summary: String {
        switch self {
        case .none: return "no lock at all: the race the tutorial starts from"
        case .flock: return "BSD flock(2) on a lock file beside the storage, opened by each buyer"
        case .fcntl: return "POSIX record lock (fcntl F_OFD_SETLKW, open-file-description lock) on the lock file"
        case .semaphore: return "POSIX named semaphore (sem_open), as Python's multiprocessing.Lock; nothing frees it when its holder dies"
        case .mutex: return "process-shared robust pthread mutex in a shared mapping; recovers from a dead holder (EOWNERDEAD)"
        case .lockfile: return "create a lock file with O_CREAT|O_EXCL, retry with backoff, unlink it to unlock; a dead holder leaves it behind"
        case .optimistic: return "no lock while reading; the write checks the version (json: under a brief flock; sqlite/postgres: UPDATE … WHERE version = :seen; redis: WATCH/MULTI/EXEC) and the purchase retries on conflict"
        case .transaction: return "databases: the purchase in a transaction (sqlite BEGIN DEFERRED; postgres BEGIN ISOLATION LEVEL storage.isolation; redis MULTI/EXEC around the write only); busy or serialization failure → retry"
        case .rowLock: return "sqlite: BEGIN IMMEDIATE; postgres: SELECT … FOR UPDATE in a transaction (not redis)"
        case .atomic: return "databases: one statement checks and decrements (UPDATE … SET count = count - 1 WHERE count > 0 RETURNING count; redis: a Lua script)"
        case .advisory: return "postgres: pg_advisory_xact_lock in the transaction; redis: SET lock NX PX lock.ttl, released by a compare-and-delete script (not sqlite)"
        }
    }

    /// True when buyers wait for and hold the lock (and report lock.wait/acquired/released);
    /// `none` and `optimistic` never block a buyer before its write.
    public var excludes: Bool { self != .none && self != .optimistic && self != .atomic }

    /// Modes only a database engine runs (json has no transactions, rows or server).
    public var isEngineMode: Bool { self == .transaction || self == .rowLock || self == .atomic || self == .advisory }
}
