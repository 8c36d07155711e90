import CTicketRush
import TicketRushModel
import TicketRushEngines
import TicketRushChild
import TicketRushChecks

/// Runs units of a plan in this process, one trial after another, and judges each.
package struct UnitExecutor {
    package let plan: RunPlan
    package let work: WorkFolder
    /// Sees each trial's full history before it is dropped (transcript, event logs).
    package var observe: (Scenario, TrialHistory) throws -> Void
    /// The private servers' endpoints by engine (a scenario with `url` uses its own).
    package var endpoints: [StorageKind: EngineEndpoint] = [:] { didSet { TrialSession.privateEndpoints = endpoints } }
    /// Scenarios whose first failing trial (in this process) already kept its timeline.
    private var timelines = Set<Int>()
    /// `--jobs` for a random, pct or bounded exhaustive cell run here: its schedules go to this many workers.
    package var scheduleJobs = 1
    /// Descriptors those workers keep (the work folder, the events folder, …).
    package var scheduleKeep: [Int32] = []
    /// In a schedule worker: the round it runs a part of, and the k that round starts with.
    package var scheduleRound: ScheduleExplorer.Round?
    /// In a schedule worker of a bounded exhaustive cell: its subtrees (a unit's `part` names one).
    package var exhaustiveShare: ScheduleExplorer.ExhaustiveShare?

    package init(plan: RunPlan, work: WorkFolder, observe: @escaping (Scenario, TrialHistory) throws -> Void = { _, _ in }) {
        self.plan = plan
        self.work = work
        self.observe = observe
    }

    /// Runs one unit, handing over each trial's record as it is judged. Units of one
    /// scenario must come in trial order, so the first failing trial keeps its timeline.
    package mutating func run(_ unit: RunPlan.Unit, record: (TrialRecord) throws -> Void) throws {
        let scenario = plan.scenarios[unit.scenario]
        if scenario.sessions != nil {
            let folder = try work.trialFolder(scenario: scenario.name, trial: 0)
            defer { if work.isTemporary { removeTree(folder) } }
            try SessionCaseRunner(scenario: scenario, seed: plan.trialSeed(unit.scenario, trial: 0), folder: folder).run(record: record)
            return
        }
        if scenario.schedule.isControlled {
            var explorer = ScheduleExplorer(scenario: scenario, index: unit.scenario, plan: plan, work: work)
            if let share = exhaustiveShare {
                explorer.subtree = (share, unit.part)
            } else if let round = scheduleRound {
                explorer.part = ScheduleExplorer.Part(round: round, part: unit.part, parts: unit.parts)
            } else if scheduleJobs > 1, ScheduleExplorer.splits(scenario) {
                var workers = self
                workers.scheduleJobs = 1
                explorer.split = ScheduleExplorer.Split(jobs: scheduleJobs, executor: workers, keep: scheduleKeep)
            }
            try explorer.run(observe: observe, record: record)
            return
        }
        if let trial = unit.trial {
            try record(runTrial(unit.scenario, trial))
            return
        }
        var tally = StopRule.Tally(scenario)
        for trial in 0..<plan.trialCounts[unit.scenario] {
            let r = try runTrial(unit.scenario, trial)
            try record(r)
            tally.add(r)
            if let rule = scenario.stopRule, tally.stop(rule) != nil { break }
        }
    }

    private mutating func runTrial(_ index: Int, _ trial: Int) throws -> TrialRecord {
        if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
        let scenario = plan.scenarios[index]
        let seed = plan.trialSeed(index, trial: trial)
        let folder = try work.trialFolder(scenario: scenario.name, trial: trial)
        let history = try TrialSession(scenario: scenario, trial: trial, seed: seed, folder: folder).run()
        if work.isTemporary { removeTree(folder) }
        let results = ProgramFailureText.annotate(Invariant.judge(scenario.invariants, history), history)
        let failed = results.contains { $0.isProblem }
        let keep = failed && !timelines.contains(index)
        if keep { timelines.insert(index) }
        try observe(scenario, history)
        return TrialRecord(history: history, scenario: scenario.name, results: results, keepTimeline: keep)
    }
}
