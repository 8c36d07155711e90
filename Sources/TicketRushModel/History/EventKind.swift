/// The steps a buyer reports. Raw values are the wire codes (docs/events.md); never reuse one.
public enum EventKind: UInt16, Sendable, CaseIterable, Codable {
    /// Released by the start barrier (after the start delay).
    case start = 1
    /// Read the count while searching; value = count.
    case searchRead = 2
    /// Could not parse the document while searching; value = bytes read.
    case searchTorn = 3
    /// About to wait for the lock.
    case lockWait = 4
    /// Holds the lock.
    case lockAcquired = 5
    /// Read the count while purchasing; value = count.
    case purchaseRead = 6
    /// Could not parse the document while purchasing; value = bytes read.
    case purchaseTorn = 7
    /// About to write; value = the new count.
    case purchaseWrite = 8
    /// Outcome: the write landed; value = the count written.
    case bought = 9
    /// Outcome: the count read was 0.
    case soldOut = 10
    /// Outcome: the task failed; value = errno or 0, aux = `ErrorReason`.
    case error = 11
    /// Gave the lock up.
    case lockReleased = 12
    /// All tasks done; the buyer exits next.
    case done = 13
    /// The lock was taken over from a holder that died holding it (robust mutex, EOWNERDEAD);
    /// follows `lock.acquired`.
    case lockRecovered = 14
    /// Optimistic: the document's version moved since the transaction began, so the buyer
    /// starts its purchase again; value = the retry's number (1-based), aux = the version seen.
    case purchaseRetry = 15
    /// Written by the runner: it killed the buyer (fault); value = the signal.
    case faultKill = 16
    /// Written by the runner: it holds the stopped buyer (fault); value = nanoseconds planned.
    case faultStall = 17
    /// Written by the runner: it let a stalled buyer continue (SIGCONT).
    case faultResume = 18
    /// Controlled schedules: the buyer is parked before a visible step and waits for the
    /// runner's grant; value = the `GateOp` code, aux = the retry number at that step.
    case gate = 19
    /// Controlled schedules: the try-lock after an `acquire` grant found the lock busy
    /// (the runner's lock model disagreed with the kernel); the buyer parks again.
    case gateBlocked = 20
    /// Databases: the engine refused the transaction (busy, serialization failure, deadlock,
    /// a version conflict), which was rolled back; the purchase starts again.
    /// value = the retry's number (1-based), aux = `RetryReason`.
    case storeRetry = 21
    /// Databases: the engine reported an error; value = the engine's code (`EngineCode`),
    /// aux = the `StorageKind` ordinal. The task's `error` outcome (reason engine) follows.
    case storeError = 22
    /// Transactional histories (docs/anomalies.md): the task read key `key`;
    /// value = the value read, aux = the version tag read (0: the runner's initial version).
    case keyRead = 23
    /// The task wrote key `key`; value = the value written, aux = the version tag it installs
    /// (distinct for every write of that key within the trial).
    case keyWrite = 24
    /// The task read a predicate over collection `key` (`count(*)`, a scan); value = the
    /// number of rows it saw. One `predicate.row` per row seen follows.
    case predicateRead = 25
    /// One row the preceding `predicate.read` saw; value = the row's tag (its insert's `aux`).
    case predicateRow = 26
    /// The task inserted a row into collection `key`; aux = the row's tag (distinct per
    /// collection within the trial), value = what the row holds (e.g. the customer).
    case rowInsert = 27
    /// The task's transaction committed (explicit; stores without transactions commit each
    /// write as it lands and report this after the task's last write).
    case txnCommit = 28
    /// The task's transaction was rolled back; aux = `RetryReason` (or 0). A retry that
    /// follows is a new transaction of the same task.
    case txnAbort = 29

    /// The name in logs, JSON Lines and `at:` fields.
    public var name: String {
        switch self {
        case .start: return "start"
        case .searchRead: return "search.read"
        case .searchTorn: return "search.torn"
        case .lockWait: return "lock.wait"
        case .lockAcquired: return "lock.acquired"
        case .purchaseRead: return "purchase.read"
        case .purchaseTorn: return "purchase.torn"
        case .purchaseWrite: return "purchase.write"
        case .bought: return "bought"
        case .soldOut: return "sold-out"
        case .error: return "error"
        case .lockReleased: return "lock.released"
        case .done: return "done"
        case .lockRecovered: return "lock.recovered"
        case .purchaseRetry: return "purchase.retry"
        case .faultKill: return "fault.kill"
        case .faultStall: return "fault.stall"
        case .faultResume: return "fault.resume"
        case .gate: return "gate"
        case .gateBlocked: return "gate.blocked"
        case .storeRetry: return "store.retry"
        case .storeError: return "store.error"
        case .keyRead: return "key.read"
        case .keyWrite: return "key.write"
        case .predicateRead: return "predicate.read"
        case .predicateRow: return "predicate.row"
        case .rowInsert: return "row.insert"
        case .txnCommit: return "txn.commit"
        case .txnAbort: return "txn.abort"
        }
    }

    /// The kind with this log name.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    /// Ends a task: exactly one of these per task.
    public var isOutcome: Bool { self == .bought || self == .soldOut || self == .error }

    /// Reported by a buyer (not written by the runner): the steps a fault's `at` can name.
    public var isBuyerStep: Bool { self != .faultKill && self != .faultStall && self != .faultResume }

    /// A scheduling point under a controlled schedule, not a step of the purchase: faults cannot name it.
    public var isGate: Bool { self == .gate || self == .gateBlocked }

    /// A step of a transactional history (the anomaly checker's input), not of the purchase story.
    public var isTransactional: Bool { rawValue >= EventKind.keyRead.rawValue && rawValue <= EventKind.txnAbort.rawValue }

    /// A read the buyer could not parse.
    public var isTornRead: Bool { self == .searchTorn || self == .purchaseTorn }
}

/// Why a task ended in `error`; the `aux` field of an error event.
public enum ErrorReason: Int32, Sendable, Codable, CaseIterable {
    case tornRead = 1
    case io = 2
    case lock = 3
    /// Written by the runner, not the buyer: the buyer was killed before its outcome.
    case killed = 4
    /// Written by the runner: the trial timed out before the buyer's outcome.
    case timeout = 5
    /// Optimistic: the version kept moving and `lock.retries` ran out.
    case retriesExhausted = 6
    /// Written by the runner: a command buyer's exec failed (value = errno).
    case execFailed = 7
    /// Written by the runner: a command buyer exited non-zero without an outcome (value = status).
    case exitStatus = 8
    /// Reported by a program (protocol `error` or an `error` pattern) with its own reason.
    case program = 9
    /// Databases: the engine reported an error (value = `EngineCode`).
    case engine = 10

    public var name: String {
        switch self {
        case .tornRead: return "torn read"
        case .io: return "i/o error"
        case .lock: return "lock error"
        case .killed: return "killed"
        case .timeout: return "timeout"
        case .retriesExhausted: return "out of retries"
        case .execFailed: return "exec failed"
        case .exitStatus: return "exit status"
        case .program: return "program error"
        case .engine: return "engine error"
        }
    }
}

/// Why a database engine made a buyer start its transaction again; the aux of `store.retry`.
public enum RetryReason: Int32, Sendable, Codable, CaseIterable {
    /// sqlite: SQLITE_BUSY (another connection holds the lock past busy_timeout, or a deferred upgrade would deadlock).
    case busy = 1
    /// postgres: SQLSTATE 40001.
    case serializationFailure = 2
    /// optimistic: the version (or the WATCHed key) moved.
    case conflict = 3
    /// postgres: SQLSTATE 40P01; mariadb: error 1213.
    case deadlockDetected = 4
    /// mariadb: error 1205 (innodb_lock_wait_timeout passed while waiting for a row lock).
    case lockWaitTimeout = 5

    public var name: String {
        switch self {
        case .busy: return "busy"
        case .serializationFailure: return "serialization failure"
        case .conflict: return "conflict"
        case .deadlockDetected: return "deadlock detected"
        case .lockWaitTimeout: return "lock wait timeout"
        }
    }
}

/// An engine's error code as it travels in an event's value: a PostgreSQL SQLSTATE
/// (five characters of 0-9A-Z) in base 36, plus 1 << 32 to tell it from SQLite's
/// (extended) result codes, which are small integers; Redis errors carry 1 << 33, MariaDB's
/// error numbers 1 << 34.
public enum EngineCode {
    public static let sqlstateFlag: Int64 = 1 << 32
    public static let redisFlag: Int64 = 1 << 33
    /// MariaDB's error number (1213, 1205, …) plus this flag.
    public static let mariadbFlag: Int64 = 1 << 34

    public static func mariadb(_ number: Int) -> Int64 { Int64(number) | mariadbFlag }

    public static func sqlstate(_ text: String) -> Int64 {
        var v: Int64 = 0
        for c in text.unicodeScalars.prefix(5) {
            let d: Int64
            switch c.value {
            case 48...57: d = Int64(c.value - 48)
            case 65...90: d = Int64(c.value - 55)
            case 97...122: d = Int64(c.value - 87)
            default: d = 0
            }
            v = v * 36 + d
        }
        return v | sqlstateFlag
    }

    /// "SQLSTATE 40001", "SQLite code 5", "Redis error".
    public static func text(_ value: Int64) -> String {
        if value & redisFlag != 0 { return "Redis error" }
        if value & mariadbFlag != 0 { return "MariaDB error \(value & (mariadbFlag - 1))" }
        if value & sqlstateFlag != 0 {
            var v = value & (sqlstateFlag - 1)
            var chars: [Character] = []
            for _ in 0..<5 {
                let d = Int(v % 36)
                chars.append(Character(Unicode.Scalar(UInt8(d < 10 ? 48 + d : 55 + d))))
                v /= 36
            }
            return "SQLSTATE " + String(chars.reversed())
        }
        return "SQLite code \(value)"
    }
}
