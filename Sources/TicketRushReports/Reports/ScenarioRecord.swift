import TicketRushModel

/// A scenario as trials.json stores it: every field of `Scenario`, written out here so
/// the stored form is this type's, not the in-memory model's (format 2 left `program` out,
/// and a merge rendered differently from the run). A test holds the two field lists equal.
public struct ScenarioRecord: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var tickets: Int
    public var buyers: BuyerGroup
    public var delays: Delays
    public var timeScale: Double
    public var storage: StorageConfig
    public var lock: LockConfig
    public var trials: Int
    public var seed: UInt64?
    public var timeoutNs: Int64
    public var invariants: [Invariant]
    public var expect: [Invariant: Expectation]
    public var faults: [Fault]
    public var origin: SourceLocation?
    public var cell: SweepCell?
    public var stopRule: StopRule?
    public var schedule: ScheduleConfig
    public var thresholds: [Threshold]
    public var expectationOrigins: KeyLocations
    public var program: ProgramConfig?

    public init(_ s: Scenario) {
        name = s.name
        description = s.description
        tickets = s.tickets
        buyers = s.buyers
        delays = s.delays
        timeScale = s.timeScale
        storage = s.storage
        lock = s.lock
        trials = s.trials
        seed = s.seed
        timeoutNs = s.timeoutNs
        invariants = s.invariants
        expect = s.expect
        faults = s.faults
        origin = s.origin
        cell = s.cell
        stopRule = s.stopRule
        schedule = s.schedule
        thresholds = s.thresholds
        expectationOrigins = s.expectationOrigins
        program = s.program
    }

    /// The in-memory scenario this record stores.
    public var scenario: Scenario {
        var s = Scenario(name: name, description: description, tickets: tickets, buyers: buyers, delays: delays,
                         timeScale: timeScale, storage: storage, lock: lock, trials: trials, seed: seed, timeoutNs: timeoutNs,
                         invariants: invariants, expect: expect, faults: faults, origin: origin)
        s.cell = cell
        s.stopRule = stopRule
        s.schedule = schedule
        s.thresholds = thresholds
        s.expectationOrigins = expectationOrigins
        s.program = program
        return s
    }
}
