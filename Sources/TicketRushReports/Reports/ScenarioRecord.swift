import TicketRushModel

/// A scenario as trials.json stores it: every field of `Scenario`, written out here so
/// the stored form is this type's, not the in-memory model's (format 2 left `program` out,
/// and a merge rendered differently from the run). A test holds the two field lists equal.
package struct ScenarioRecord: Codable, Sendable, Equatable {
    package var name: String
    package var description: String?
    package var tickets: Int
    package var buyers: BuyerGroup
    package var delays: Delays
    package var timeScale: Double
    package var storage: StorageConfig
    package var lock: LockConfig
    package var trials: Int
    package var seed: UInt64?
    package var timeoutNs: Int64
    package var invariants: [Invariant]
    package var expect: [Invariant: Expectation]
    package var faults: [Fault]
    package var origin: SourceLocation?
    package var cell: SweepCell?
    package var stopRule: StopRule?
    package var schedule: ScheduleConfig
    package var thresholds: [Threshold]
    package var expectationOrigins: KeyLocations
    package var program: ProgramConfig?
    package var sessions: SessionCase?
    package var workload: Workload?

    package init(_ s: Scenario) {
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
        sessions = s.sessions
        workload = s.workload
    }

    /// The in-memory scenario this record stores.
    package var scenario: Scenario {
        var s = Scenario(name: name, description: description, tickets: tickets, buyers: buyers, delays: delays,
                         timeScale: timeScale, storage: storage, lock: lock, trials: trials, seed: seed, timeoutNs: timeoutNs,
                         invariants: invariants, expect: expect, faults: faults, origin: origin)
        s.cell = cell
        s.stopRule = stopRule
        s.schedule = schedule
        s.thresholds = thresholds
        s.expectationOrigins = expectationOrigins
        s.program = program
        s.sessions = sessions
        s.workload = workload
        return s
    }
}
