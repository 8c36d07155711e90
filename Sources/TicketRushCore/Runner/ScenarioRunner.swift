import CTicketRush

/// How a run is carried out, from the command line.
public struct RunOptions: Sendable {
    /// Overrides every scenario's `trials`.
    public var trials: Int?
    /// Overrides every scenario's `seed`.
    public var seed: UInt64?
    public var work: WorkFolder

    public init(trials: Int? = nil, seed: UInt64? = nil, work: WorkFolder) {
        self.trials = trials
        self.seed = seed
        self.work = work
    }
}

/// What one trial came to, kept small so thousands of trials fit.
public struct TrialSummary: Sendable {
    public var trial: Int
    public var seed: UInt64
    public var sold: Int
    public var finalRead: StoreRead
    public var tornReads: Int
    public var durationNs: UInt64
    public var timedOut: Bool
    public var results: [CheckResult]
}

/// A scenario's whole run: every trial summarised, every invariant judged.
public struct ScenarioReport: Sendable {
    public var scenario: Scenario
    public var seed: UInt64
    public var trials: [TrialSummary]
    public var invariants: [InvariantReport]
    public var durationNs: UInt64
    /// Wall-clock start, seconds since 1970, for the report's timestamp.
    public var startedAt: Double

    /// True when every expectation was met.
    public var passed: Bool { invariants.allSatisfy { $0.status == .met } }
}

/// Runs a scenario's trials one after another and judges each.
public struct ScenarioRunner {
    public var options: RunOptions

    public init(options: RunOptions) { self.options = options }

    /// Runs every trial; `observe` sees each trial's full history before it is dropped.
    public func run(
        _ scenario: Scenario, observe: (TrialHistory, [CheckResult]) throws -> Void = { _, _ in }
    ) throws -> ScenarioReport {
        let seed = options.seed ?? scenario.seed ?? Seed.random()
        let count = options.trials ?? scenario.trials
        let started = MonotonicClock.now()
        let wallStart = wallClockSeconds()
        var reports = scenario.invariants.map { InvariantReport(invariant: $0, expectation: scenario.expectation(for: $0)) }
        var summaries: [TrialSummary] = []
        summaries.reserveCapacity(count)
        for trial in 0..<count {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            let trialSeed = Seed.trial(seed, index: trial)
            let folder = try options.work.trialFolder(scenario: scenario.name, trial: trial)
            let history = try TrialRunner(scenario: scenario, trial: trial, seed: trialSeed, folder: folder).run()
            if options.work.isTemporary { removeTree(folder) }
            let results = scenario.invariants.map { $0.checker.judge(history) }
            for (i, result) in results.enumerated() { reports[i].add(result, trial: trial, seed: trialSeed) }
            summaries.append(TrialSummary(
                trial: trial, seed: trialSeed, sold: history.purchases.count, finalRead: history.finalRead,
                tornReads: history.tornReads.count, durationNs: history.durationNs, timedOut: history.timedOut,
                results: results))
            try observe(history, results)
        }
        return ScenarioReport(
            scenario: scenario, seed: seed, trials: summaries, invariants: reports,
            durationNs: MonotonicClock.now() - started, startedAt: wallStart)
    }
}
