/// One ticket rush as the runner runs it: every default filled in, every delay in nanoseconds.
/// Not Codable: trials.json stores it as `ScenarioRecord` (TicketRushReports), whose fields
/// a test holds equal to these.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var tickets: Int
    public var buyers: BuyerGroup
    public var delays: Delays
    public var timeScale: Double
    public var storage: StorageConfig
    public var lock: LockConfig
    public var trials: Int
    /// The scenario's own seed; `nil` means a fresh random seed per run (still recorded).
    public var seed: UInt64?
    public var timeoutNs: Int64
    public var invariants: [Invariant]
    public var expect: [Invariant: Expectation]
    /// Buyers the runner kills or stalls at chosen steps.
    public var faults: [Fault]
    /// Where the scenario came from, for messages (`path:line:column`).
    public var origin: SourceLocation?
    /// The sweep cell this scenario is, when its file has a `matrix` (docs/sweeps.md).
    public var cell: SweepCell? = nil
    /// `trials: {until: …}`: stop early once the violation rate is bounded; `trials` is the maximum.
    public var stopRule: StopRule? = nil
    /// `schedule:`: real timing (default) or a controlled interleaving (docs/schedules.md).
    public var schedule: ScheduleConfig = Scenario.defaultSchedule
    /// `thresholds:`: gates on the cell's measured numbers, each an expectation.
    public var thresholds: [Threshold] = Threshold.defaultThresholds
    /// Where each expectation is written (`expect.no-oversell`, `thresholds.latency.p99`),
    /// for annotations that point at the line; absent ones point at `origin`.
    public var expectationOrigins = KeyLocations()
    /// `buyers.command` / `program.command`: the user's own program buys (docs/programs.md); nil: the built-in buyer.
    public var program: ProgramConfig? = nil
    /// `sessions:`: a scripted isolation case instead of buyers (docs/isolation.md).
    public var sessions: SessionCase? = nil
    /// `workload:`: seats, a per-customer limit or booking rows instead of one counter (docs/workloads.md).
    public var workload: Workload? = nil

    // The defaults of the format, declared once: these initialisers and the `Field`
    // defaults of `ScenarioSchema` (hence the loader, the JSON Schema, `show` and
    // docs/scenarios.md) all read them.
    public static let defaultTimeScale: Double = 1
    public static let defaultTrials = 1
    public static let defaultTimeoutNs: Int64 = 60_000_000_000
    /// Every invariant of the purchase story; the isolation models and anomalies only when asked.
    public static let defaultInvariants: [Invariant] = Invariant.buyerDefaults
    /// With a workload: its domain invariant and the counter's that still mean something
    /// (conservation: units the store holds sold = purchases reported).
    public static func defaultInvariants(for workload: Workload) -> [Invariant] {
        [.conservation, .oneOutcome, .noTornRead, .allFinished, .noDeadlock, workload.invariant].sorted()
    }
    public static let defaultFaults: [Fault] = []
    /// Nothing stated: every judged invariant is expected to hold (`Expectation.defaultValue`).
    public static let defaultExpect: [Invariant: Expectation] = [:]
    public static let defaultSchedule = ScheduleConfig.timing

    public init(
        name: String, description: String? = nil, tickets: Int, buyers: BuyerGroup,
        delays: Delays = Delays(), timeScale: Double = defaultTimeScale, storage: StorageConfig = StorageConfig(),
        lock: LockConfig = LockConfig(), trials: Int = defaultTrials, seed: UInt64? = nil,
        timeoutNs: Int64 = defaultTimeoutNs, invariants: [Invariant] = defaultInvariants,
        expect: [Invariant: Expectation] = defaultExpect, faults: [Fault] = defaultFaults, origin: SourceLocation? = nil
    ) {
        self.name = name
        self.description = description
        self.tickets = tickets
        self.buyers = buyers
        self.delays = delays
        self.timeScale = timeScale
        self.storage = storage
        self.lock = lock
        self.trials = trials
        self.seed = seed
        self.timeoutNs = timeoutNs
        self.invariants = invariants
        self.expect = expect
        self.faults = faults
        self.origin = origin
    }

    /// What the scenario expects of `invariant` (hold unless stated).
    public func expectation(for invariant: Invariant) -> Expectation {
        expect[invariant] ?? Expectation.defaultValue
    }

    /// Where the expectation `key` (`expect.no-oversell`, `thresholds.latency.p99`) is
    /// written, else where the scenario starts.
    public func origin(of key: String) -> SourceLocation? { expectationOrigins[key] ?? origin }

    /// Tickets asked for in all: buyers × wants.
    public var demand: Int { buyers.count * (workload?.tasks(wants: buyers.wants) ?? buyers.wants) }
}

/// The buyers of a scenario: how many, how they are named, how many tickets each wants.
public struct BuyerGroup: Sendable, Codable, Equatable {
    public var count: Int
    /// Name template; `{n}` is the 1-based buyer index.
    public var nameTemplate: String
    public var wants: Int

    public static let defaultNameTemplate = "buyer-{n}"
    public static let defaultWants = 1

    public init(count: Int, nameTemplate: String = defaultNameTemplate, wants: Int = defaultWants) {
        self.count = count
        self.nameTemplate = nameTemplate
        self.wants = wants
    }

    /// The display name of buyer `index` (0-based).
    public func name(of index: Int) -> String {
        nameTemplate.replacingAll("{n}", with: String(index + 1))
    }
}

/// The waits a buyer makes, each a fixed or uniformly drawn duration before `time_scale`.
public struct Delays: Sendable, Codable, Equatable {
    public var search: Delay
    public var write: Delay
    public var truncate: Delay
    public var start: Delay

    /// Every delay's default: none.
    public static let defaultDelay = Delay.zero

    public init(search: Delay = defaultDelay, write: Delay = defaultDelay, truncate: Delay = defaultDelay, start: Delay = defaultDelay) {
        self.search = search
        self.write = write
        self.truncate = truncate
        self.start = start
    }
}

/// A duration, fixed or drawn uniformly from a closed range, in nanoseconds.
public enum Delay: Sendable, Equatable, Codable {
    case fixed(Int64)
    case uniform(Int64, Int64)

    public static let zero = Delay.fixed(0)

    /// The largest value this delay can take.
    public var maxNs: Int64 {
        switch self {
        case .fixed(let ns): return ns
        case .uniform(_, let high): return high
        }
    }
}

/// Where the tickets are stored.
public struct StorageConfig: Sendable, Codable, Equatable {
    public var kind: StorageKind
    /// Relative to the trial's work folder; never leaves it.
    public var path: String
    public var write: WriteMode
    /// sqlite: the journal mode.
    public var journal: SQLiteJournal = defaultJournal
    /// sqlite: how long a statement waits for a lock before SQLITE_BUSY.
    public var busyTimeoutNs: Int64 = defaultBusyTimeoutNs
    /// postgres, redis: an existing server; nil → a private server the runner starts.
    public var url: String? = nil
    /// postgres: the transaction isolation level.
    public var isolation: Isolation = defaultIsolation

    public static let defaultKind = StorageKind.json
    public static let defaultPath = "db.json"
    public static let defaultWrite = WriteMode.inPlace
    public static let defaultJournal = SQLiteJournal.delete
    public static let defaultBusyTimeoutNs: Int64 = 5_000_000_000
    public static let defaultIsolation = Isolation.readCommitted

    public init(kind: StorageKind = defaultKind, path: String? = nil, write: WriteMode = defaultWrite,
                journal: SQLiteJournal = defaultJournal, busyTimeoutNs: Int64 = defaultBusyTimeoutNs,
                url: String? = nil, isolation: Isolation = defaultIsolation) {
        self.kind = kind
        // An engine keeping its store elsewhere names its default in its descriptor (the loader fills it).
        self.path = path ?? Self.defaultPath
        self.write = write
        self.journal = journal
        self.busyTimeoutNs = busyTimeoutNs
        self.url = url
        self.isolation = isolation
    }

    private enum CodingKeys: String, CodingKey { case kind, path, write, journal, busyTimeoutNs, url, isolation }

    /// Stored without a password: `url` is written redacted (`redactedURL`), so trials.json
    /// and every report made from it never hold one; the loaded scenario keeps the real one.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(path, forKey: .path)
        try c.encode(write, forKey: .write)
        try c.encode(journal, forKey: .journal)
        try c.encode(busyTimeoutNs, forKey: .busyTimeoutNs)
        try c.encodeIfPresent(url.map(redactedURL), forKey: .url)
        try c.encode(isolation, forKey: .isolation)
    }

    /// Records written before the engines (no journal, url, …) read with the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(StorageKind.self, forKey: .kind)
        path = try c.decode(String.self, forKey: .path)
        write = try c.decode(WriteMode.self, forKey: .write)
        journal = try c.decodeIfPresent(SQLiteJournal.self, forKey: .journal) ?? Self.defaultJournal
        busyTimeoutNs = try c.decodeIfPresent(Int64.self, forKey: .busyTimeoutNs) ?? Self.defaultBusyTimeoutNs
        url = try c.decodeIfPresent(String.self, forKey: .url)
        isolation = try c.decodeIfPresent(Isolation.self, forKey: .isolation) ?? Self.defaultIsolation
    }
}

// StorageKind is in StorageKind.swift; the engines' registry in TicketRushEngines.

/// sqlite: the journal mode, fixed when the runner creates the database.
public enum SQLiteJournal: String, Sendable, Codable, CaseIterable {
    case delete
    case wal
}

/// postgres: the isolation level of every transaction a buyer begins.
public enum Isolation: String, Sendable, Codable, CaseIterable {
    /// mariadb: dirty reads allowed (postgres runs it as read committed); a session case on
    /// sqlite: the shared cache's `read_uncommitted`.
    case readUncommitted = "read-uncommitted"
    case readCommitted = "read-committed"
    case repeatableRead = "repeatable-read"
    case serializable

    /// As `BEGIN ISOLATION LEVEL …` spells it.
    public var sql: String {
        switch self {
        case .readUncommitted: return "READ UNCOMMITTED"
        case .readCommitted: return "READ COMMITTED"
        case .repeatableRead: return "REPEATABLE READ"
        case .serializable: return "SERIALIZABLE"
        }
    }
}

/// How a buyer writes the document back.
public enum WriteMode: String, Sendable, Codable, CaseIterable {
    /// Truncate then write in place, as Python's `open("w")`: readers can see a torn file.
    case inPlace = "in-place"
    /// Write a temporary file, fsync, rename over: readers see the old or the new file.
    case atomic

    public var summary: String {
        switch self {
        case .inPlace: return "truncate the file, then write the new text (as open(\"w\"))"
        case .atomic: return "write a temporary file, fsync it, rename it over the document"
        }
    }
}

/// The concurrency control under test.
public struct LockConfig: Sendable, Codable, Equatable {
    public var mode: LockMode
    public var scope: LockScope
    /// Optimistic: retries allowed per task.
    public var retries: Int
    /// advisory on redis: the lock key's expiry.
    public var ttlNs: Int64 = defaultTTLNs

    public static let defaultMode = LockMode.none
    public static let defaultScope = LockScope.purchase
    public static let defaultRetries = 100
    public static let defaultTTLNs: Int64 = 2_000_000_000

    public init(mode: LockMode = defaultMode, scope: LockScope = defaultScope, retries: Int = defaultRetries, ttlNs: Int64 = defaultTTLNs) {
        self.mode = mode
        self.scope = scope
        self.retries = retries
        self.ttlNs = ttlNs
    }

    private enum CodingKeys: String, CodingKey { case mode, scope, retries, ttlNs }

    /// Records written before `ttl` read with its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(LockMode.self, forKey: .mode)
        scope = try c.decode(LockScope.self, forKey: .scope)
        retries = try c.decode(Int.self, forKey: .retries)
        ttlNs = try c.decodeIfPresent(Int64.self, forKey: .ttlNs) ?? Self.defaultTTLNs
    }
}

/// Which steps of a task the lock covers.
public enum LockScope: String, Sendable, Codable, CaseIterable {
    /// Read, decide, wait, write: the tutorial's choice.
    case purchase
    /// Search and purchase together.
    case task
    /// The write alone: a classic mistake that still oversells.
    case write

    public var summary: String {
        switch self {
        case .purchase: return "the purchase: read, decide, wait, write (the tutorial)"
        case .task: return "the whole task: search and purchase"
        case .write: return "the write alone (a classic mistake: the race stays)"
        }
    }
}

/// What a scenario expects of an invariant across its trials.
public enum Expectation: String, Sendable, Codable, CaseIterable {
    /// Holds in every trial.
    case hold
    /// Violated in at least one trial.
    case violated

    /// What an invariant the scenario does not mention in `expect` is expected to do.
    public static let defaultValue = Expectation.hold
}

/// A place in a scenario file.
public struct SourceLocation: Sendable, Codable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var column: Int

    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    public var description: String { "\(path):\(line):\(column)" }
}

extension Delay {
    /// A fixed delay is a number of nanoseconds; a drawn one is `[low, high]`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let ns = try? c.decode(Int64.self) { self = .fixed(ns); return }
        let pair = try c.decode([Int64].self)
        guard pair.count == 2, pair[0] <= pair[1] else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a delay is nanoseconds or [low, high], got \(pair)")
        }
        self = .uniform(pair[0], pair[1])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .fixed(let ns): try c.encode(ns)
        case .uniform(let low, let high): try c.encode([low, high])
        }
    }
}

/// Where keys of a scenario are written (`expect.no-oversell` → file:line:col): where, not
/// what, so two scenarios that differ only here are equal (a file reformatted, `show`'s output).
public struct KeyLocations: Sendable, Codable, Equatable {
    public var byKey: [String: SourceLocation] = [:]

    public init() {}

    public subscript(key: String) -> SourceLocation? {
        get { byKey[key] }
        set { byKey[key] = newValue }
    }

    public static func == (_: KeyLocations, _: KeyLocations) -> Bool { true }

    public init(from decoder: any Decoder) throws {
        byKey = try decoder.singleValueContainer().decode([String: SourceLocation].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(byKey)
    }
}
