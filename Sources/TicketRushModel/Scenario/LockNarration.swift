/// What a buyer's lock steps mean on its mode and engine, in words the transcript, the
/// shrunk story and the HTML timeline share. `lock.acquired` is reported after whatever
/// the mode begins with: on a database that may be a bare `BEGIN`, which holds nothing,
/// so seven buyers "in a transaction" at once is no contradiction, and the words must not
/// say "holds the lock" (docs/storage.md, "What the output says about an engine").
public struct LockNarration: Sendable, Equatable {
    /// After `lock.wait`: "waits for the lock".
    public var wait: String
    /// After `lock.acquired`: "holds the lock", "is in a READ COMMITTED transaction (no lock yet)".
    public var acquired: String
    /// After `lock.released`.
    public var released: String
    /// The purchase read, when the mode locks there (postgres `SELECT … FOR UPDATE`), else nil.
    public var readLocks: String?
    /// The timeline's name for the band between acquired and released.
    public var band: String
    /// True when `acquired` means an exclusive lock is held (a file lock, BEGIN IMMEDIATE, an advisory lock).
    public var exclusive: Bool
    /// On a database: what the mode holds and when, for the engine line; nil elsewhere.
    public var holds: String?

    public init(mode: LockMode, storage: String, isolation: Isolation = StorageConfig.defaultIsolation) {
        let file = LockNarration(wait: "waits for the lock", acquired: "holds the lock", released: "releases the lock",
                                 readLocks: nil, band: "holding the lock", exclusive: true)
        // Engine kinds by name: the model names no engine (TicketRushEngines does), and these are the words.
        switch (mode, storage) {
        case (.transaction, "postgres"), (.rowLock, "postgres"):
            let row = mode == .rowLock
            self.init(holds: row ? "SELECT … FOR UPDATE locks the row until COMMIT" : "no lock of its own (UPDATE locks the row only as it writes)",
                      wait: "begins a transaction (BEGIN ISOLATION LEVEL \(isolation.sql))",
                      acquired: "is in a \(isolation.sql) transaction (no lock yet\(row ? ": SELECT … FOR UPDATE takes the row lock" : ""))",
                      released: "ends its transaction (COMMIT or ROLLBACK)\(row ? ", releasing any row lock" : "")",
                      readLocks: row ? "locks the row (SELECT … FOR UPDATE)" : nil, band: "in a transaction", exclusive: false)
        case (.transaction, "mariadb"), (.rowLock, "mariadb"):
            let row = mode == .rowLock
            // InnoDB SERIALIZABLE turns a plain SELECT into SELECT … LOCK IN SHARE MODE.
            let shared = !row && isolation == .serializable
            self.init(holds: row ? "SELECT … FOR UPDATE locks the row until COMMIT"
                        : shared ? "SELECT takes a shared row lock (SERIALIZABLE), UPDATE an exclusive one: two readers deadlock (1213)"
                        : "no lock of its own (UPDATE locks the row only as it writes)",
                      wait: "begins a transaction (SET TRANSACTION ISOLATION LEVEL \(isolation.sql); START TRANSACTION)",
                      acquired: "is in a \(isolation.sql) transaction (no lock yet\(row ? ": SELECT … FOR UPDATE takes the row lock" : ""))",
                      released: "ends its transaction (COMMIT or ROLLBACK)\(row || shared ? ", releasing its row locks" : "")",
                      readLocks: row ? "locks the row (SELECT … FOR UPDATE)" : shared ? "takes a shared row lock (SELECT, SERIALIZABLE)" : nil,
                      band: "in a transaction", exclusive: false)
        case (.advisory, "mariadb"):
            self.init(holds: "GET_LOCK's named lock (the session's) until RELEASE_LOCK after COMMIT",
                      wait: "waits for the named lock (GET_LOCK)", acquired: "holds the named lock (GET_LOCK)",
                      released: "ends its transaction and releases the named lock (RELEASE_LOCK)", readLocks: nil,
                      band: "holding the named lock", exclusive: true)
        case (.transaction, "sqlite"):
            self.init(holds: "BEGIN DEFERRED: a shared lock as it reads, the write lock as it writes (SQLITE_BUSY on a conflict)",
                      wait: "begins a transaction (BEGIN DEFERRED)", acquired: "is in a deferred transaction (no lock until it reads)",
                      released: "ends its transaction", readLocks: "takes a shared lock (SELECT)", band: "in a transaction", exclusive: false)
        case (.rowLock, "sqlite"):
            self.init(holds: "BEGIN IMMEDIATE takes the write lock before the read",
                      wait: "waits for the database's write lock (BEGIN IMMEDIATE)", acquired: "holds the database's write lock (BEGIN IMMEDIATE)",
                      released: "commits, releasing the write lock", readLocks: nil, band: "holding the write lock", exclusive: true)
        case (.transaction, "redis"):
            self.init(holds: "nothing: MULTI/EXEC wraps the write only, the read is outside",
                      wait: "starts a purchase (MULTI/EXEC comes at the write)", acquired: "holds nothing (the read is outside MULTI/EXEC)",
                      released: "is past its EXEC", readLocks: nil, band: "purchase (no lock)", exclusive: false)
        case (.advisory, "postgres"):
            self.init(holds: "pg_advisory_xact_lock until COMMIT",
                      wait: "waits for the advisory lock (pg_advisory_xact_lock)", acquired: "holds the advisory lock (pg_advisory_xact_lock)",
                      released: "ends its transaction, releasing the advisory lock", readLocks: nil, band: "holding the advisory lock", exclusive: true)
        case (.advisory, "redis"):
            self.init(holds: "a lock key (SET NX PX lock.ttl), deleted by compare-and-delete",
                      wait: "waits for the lock key (SET NX PX)", acquired: "holds the lock key", released: "deletes the lock key",
                      readLocks: nil, band: "holding the lock key", exclusive: true)
        default:
            self = file
        }
    }

    public init(holds: String? = nil, wait: String, acquired: String, released: String, readLocks: String?, band: String, exclusive: Bool) {
        self.holds = holds
        self.wait = wait
        self.acquired = acquired
        self.released = released
        self.readLocks = readLocks
        self.band = band
        self.exclusive = exclusive
    }

    public init(_ s: Scenario) { self.init(mode: s.lock.mode, storage: s.storage.kind.rawValue, isolation: s.storage.isolation) }
}
