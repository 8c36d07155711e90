/// One ticket rush as the runner runs it: every default filled in, every delay in nanoseconds.
/// Not Codable: trials.json stores it as `ScenarioRecord` (TicketRushReports), whose fields
/// a test holds equal to these.
package struct Scenario: Sendable, Equatable {
    package var name: String
    package var description: String?
    package var tickets: Int
    package var buyers: BuyerGroup
    package var delays: Delays
    package var timeScale: Double
    package var storage: StorageConfig
    package var lock: LockConfig
    package var trials: Int
    /// The scenario's own seed; `nil` means a fresh random seed per run (still recorded).
    package var seed: UInt64?
    package var timeoutNs: Int64
    package var invariants: [Invariant]
    package var expect: [Invariant: Expectation]
    /// Buyers the runner kills or stalls at chosen steps.
    package var faults: [Fault]
    /// Where the scenario came from, for messages (`path:line:column`).
    package var origin: SourceLocation?
    /// The sweep cell this scenario is, when its file has a `matrix` (docs/sweeps.md).
    package var cell: SweepCell? = nil
    /// `trials: {until: …}`: stop early once the violation rate is bounded; `trials` is the maximum.
    package var stopRule: StopRule? = nil
    /// `schedule:`: real timing (default) or a controlled interleaving (docs/schedules.md).
    package var schedule: ScheduleConfig = Scenario.defaultSchedule
    /// `thresholds:`: gates on the cell's measured numbers, each an expectation.
    package var thresholds: [Threshold] = Threshold.defaultThresholds
    /// Where each expectation is written (`expect.no-oversell`, `thresholds.latency.p99`),
    /// for annotations that point at the line; absent ones point at `origin`.
    package var expectationOrigins = KeyLocations()
    /// `buyers.command` / `program.command`: the user's own program buys (docs/programs.md); nil: the built-in buyer.
    package var program: ProgramConfig? = nil

    // The defaults of the format, declared once: these initialisers and the `Field`
    // defaults of `ScenarioSchema` (hence the loader, the JSON Schema, `show` and
    // docs/scenarios.md) all read them.
    package static let defaultTimeScale: Double = 1
    package static let defaultTrials = 1
    package static let defaultTimeoutNs: Int64 = 60_000_000_000
    package static let defaultInvariants: [Invariant] = Invariant.allCases
    package static let defaultFaults: [Fault] = []
    /// Nothing stated: every judged invariant is expected to hold (`Expectation.defaultValue`).
    package static let defaultExpect: [Invariant: Expectation] = [:]
    package static let defaultSchedule = ScheduleConfig.timing

    package init(
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
    package func expectation(for invariant: Invariant) -> Expectation {
        expect[invariant] ?? Expectation.defaultValue
    }

    /// Where the expectation `key` (`expect.no-oversell`, `thresholds.latency.p99`) is
    /// written, else where the scenario starts.
    package func origin(of key: String) -> SourceLocation? { expectationOrigins[key] ?? origin }

    /// Tickets asked for in all: buyers × wants.
    package var demand: Int { buyers.count * buyers.wants }
}

/// The buyers of a scenario: how many, how they are named, how many tickets each wants.
package struct BuyerGroup: Sendable, Codable, Equatable {
    package var count: Int
    /// Name template; `{n}` is the 1-based buyer index.
    package var nameTemplate: String
    package var wants: Int

    package static let defaultNameTemplate = "buyer-{n}"
    package static let defaultWants = 1

    package init(count: Int, nameTemplate: String = defaultNameTemplate, wants: Int = defaultWants) {
        self.count = count
        self.nameTemplate = nameTemplate
        self.wants = wants
    }

    /// The display name of buyer `index` (0-based).
    package func name(of index: Int) -> String {
        nameTemplate.replacingAll("{n}", with: String(index + 1))
    }
}

/// The waits a buyer makes, each a fixed or uniformly drawn duration before `time_scale`.
package struct Delays: Sendable, Codable, Equatable {
    package var search: Delay
    package var write: Delay
    package var truncate: Delay
    package var start: Delay

    /// Every delay's default: none.
    package static let defaultDelay = Delay.zero

    package init(search: Delay = defaultDelay, write: Delay = defaultDelay, truncate: Delay = defaultDelay, start: Delay = defaultDelay) {
        self.search = search
        self.write = write
        self.truncate = truncate
        self.start = start
    }
}

/// A duration, fixed or drawn uniformly from a closed range, in nanoseconds.
package enum Delay: Sendable, Equatable, Codable {
    case fixed(Int64)
    case uniform(Int64, Int64)

    package static let zero = Delay.fixed(0)

    /// The largest value this delay can take.
    package var maxNs: Int64 {
        switch self {
        case .fixed(let ns): return ns
        case .uniform(_, let high): return high
        }
    }
}

/// Where the tickets are stored.
package struct StorageConfig: Sendable, Codable, Equatable {
    package var kind: StorageKind
    /// Relative to the trial's work folder; never leaves it.
    package var path: String
    package var write: WriteMode
    /// sqlite: the journal mode.
    package var journal: SQLiteJournal = defaultJournal
    /// sqlite: how long a statement waits for a lock before SQLITE_BUSY.
    package var busyTimeoutNs: Int64 = defaultBusyTimeoutNs
    /// postgres, redis: an existing server; nil → a private server the runner starts.
    package var url: String? = nil
    /// postgres: the transaction isolation level.
    package var isolation: Isolation = defaultIsolation

    package static let defaultKind = StorageKind.json
    package static let defaultPath = "db.json"
    package static let defaultWrite = WriteMode.inPlace
    package static let defaultJournal = SQLiteJournal.delete
    package static let defaultBusyTimeoutNs: Int64 = 5_000_000_000
    package static let defaultIsolation = Isolation.readCommitted

    package init(kind: StorageKind = defaultKind, path: String? = nil, write: WriteMode = defaultWrite,
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
    package func encode(to encoder: any Encoder) throws {
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
    package init(from decoder: any Decoder) throws {
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
package enum SQLiteJournal: String, Sendable, Codable, CaseIterable {
    case delete
    case wal
}

/// postgres: the isolation level of every transaction a buyer begins.
package enum Isolation: String, Sendable, Codable, CaseIterable {
    case readCommitted = "read-committed"
    case repeatableRead = "repeatable-read"
    case serializable

    /// As `BEGIN ISOLATION LEVEL …` spells it.
    package var sql: String {
        switch self {
        case .readCommitted: return "READ COMMITTED"
        case .repeatableRead: return "REPEATABLE READ"
        case .serializable: return "SERIALIZABLE"
        }
    }
}

/// How a buyer writes the document back.
package enum WriteMode: String, Sendable, Codable, CaseIterable {
    /// Truncate then write in place, as Python's `open("w")`: readers can see a torn file.
    case inPlace = "in-place"
    /// Write a temporary file, fsync, rename over: readers see the old or the new file.
    case atomic

    package var summary: String {
        switch self {
        case .inPlace: return "truncate the file, then write the new text (as open(\"w\"))"
        case .atomic: return "write a temporary file, fsync it, rename it over the document"
        }
    }
}

/// The concurrency control under test.
package struct LockConfig: Sendable, Codable, Equatable {
    package var mode: LockMode
    package var scope: LockScope
    /// Optimistic: retries allowed per task.
    package var retries: Int
    /// advisory on redis: the lock key's expiry.
    package var ttlNs: Int64 = defaultTTLNs

    package static let defaultMode = LockMode.none
    package static let defaultScope = LockScope.purchase
    package static let defaultRetries = 100
    package static let defaultTTLNs: Int64 = 2_000_000_000

    package init(mode: LockMode = defaultMode, scope: LockScope = defaultScope, retries: Int = defaultRetries, ttlNs: Int64 = defaultTTLNs) {
        self.mode = mode
        self.scope = scope
        self.retries = retries
        self.ttlNs = ttlNs
    }

    private enum CodingKeys: String, CodingKey { case mode, scope, retries, ttlNs }

    /// Records written before `ttl` read with its default.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(LockMode.self, forKey: .mode)
        scope = try c.decode(LockScope.self, forKey: .scope)
        retries = try c.decode(Int.self, forKey: .retries)
        ttlNs = try c.decodeIfPresent(Int64.self, forKey: .ttlNs) ?? Self.defaultTTLNs
    }
}

/// Which steps of a task the lock covers.
package enum LockScope: String, Sendable, Codable, CaseIterable {
    /// Read, decide, wait, write: the tutorial's choice.
    case purchase
    /// Search and purchase together.
    case task
    /// The write alone: a classic mistake that still oversells.
    case write

    package var summary: String {
        switch self {
        case .purchase: return "the purchase: read, decide, wait, write (the tutorial)"
        case .task: return "the whole task: search and purchase"
        case .write: return "the write alone (a classic mistake: the race stays)"
        }
    }
}

/// What a scenario expects of an invariant across its trials.
package enum Expectation: String, Sendable, Codable, CaseIterable {
    /// Holds in every trial.
    case hold
    /// Violated in at least one trial.
    case violated

    /// What an invariant the scenario does not mention in `expect` is expected to do.
    package static let defaultValue = Expectation.hold
}

/// A place in a scenario file.
package struct SourceLocation: Sendable, Codable, Equatable, CustomStringConvertible {
    package var path: String
    package var line: Int
    package var column: Int

    package init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    package var description: String { "\(path):\(line):\(column)" }
}

extension Delay {
    /// A fixed delay is a number of nanoseconds; a drawn one is `[low, high]`.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let ns = try? c.decode(Int64.self) { self = .fixed(ns); return }
        let pair = try c.decode([Int64].self)
        guard pair.count == 2, pair[0] <= pair[1] else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a delay is nanoseconds or [low, high], got \(pair)")
        }
        self = .uniform(pair[0], pair[1])
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .fixed(let ns): try c.encode(ns)
        case .uniform(let low, let high): try c.encode([low, high])
        }
    }
}

/// Where keys of a scenario are written (`expect.no-oversell` → file:line:col): where, not
/// what, so two scenarios that differ only here are equal (a file reformatted, `show`'s output).
package struct KeyLocations: Sendable, Codable, Equatable {
    package var byKey: [String: SourceLocation] = [:]

    package init() {}

    package subscript(key: String) -> SourceLocation? {
        get { byKey[key] }
        set { byKey[key] = newValue }
    }

    package static func == (_: KeyLocations, _: KeyLocations) -> Bool { true }

    package init(from decoder: any Decoder) throws {
        byKey = try decoder.singleValueContainer().decode([String: SourceLocation].self)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(byKey)
    }
}
