import TicketRushModel
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// Every place a run writes, opened and checked (and the folders locked) before the
/// first trial: the reports, the --junit file, --events and the work folder.
struct RunPlaces {
    var outputs: ReportFiles.Outputs
    var work: WorkFolder

    static func open(_ o: RunOptions, scenarios: [Scenario], console: Console) throws(Stop) -> RunPlaces {
        do {
            let outputs = try ReportFiles.Outputs.prepare(reports: o.reports, junit: o.junit, events: o.events,
                                                          waiting: { console.errLine(visible($0)) })
            var work: WorkFolder?
            do {
                work = try o.work.map(WorkFolder.kept(at:)) ?? WorkFolder.temporary()
                try work?.checkScenarioFolders(scenarios.map(\.name))
            } catch {
                work?.finish()
                outputs.release()
                throw error
            }
            return RunPlaces(outputs: outputs, work: work!)
        } catch let error as SafeFiles.Failure {
            throw .error(error.description, code: error.interrupted ? 130 : 3)
        } catch {
            if case .interrupted? = error as? RunnerError { throw .error("\(error)", code: 130) }
            throw .error("\(error)", code: 3)
        }
    }
}

/// The units of a run, executed here one after another or by --jobs worker processes,
/// with the progress line, transcripts and event logs as each trial ends.
package struct TrialLoop {
    var plan: RunPlan
    var units: [RunPlan.Unit]
    var jobs: Int
    var quiet: Bool
    var eventsFD: Int32?
    /// `--export elle`: the reports folder, which worker processes write the exports into.
    var exportFD: Int32?
    var executor: UnitExecutor
    var console: Console

    init(plan: RunPlan, units: [RunPlan.Unit], options o: RunOptions, places: RunPlaces, console: Console) {
        self.plan = plan
        self.units = units
        jobs = o.jobs
        quiet = o.quiet
        eventsFD = places.outputs.eventsFD
        self.console = console
        let transcript = o.transcript, keepEvents = o.events != nil, outputs = places.outputs, elle = o.export.contains("elle")
        exportFD = elle ? places.outputs.reportsFD : nil
        executor = UnitExecutor(plan: plan, work: places.work) { scenario, history in
            if transcript { console.out(Transcript.lines(history, scenario: scenario.name, narration: LockNarration(scenario)).map { visible($0) }.joined(separator: "\n")) }
            do {
                if elle { try outputs.writeTrialFile(ElleExport.json(history), under: "elle", scenario: scenario.name, trial: history.trial, ext: "json") }
                guard keepEvents else { return }
                try outputs.writeEvents(EventLog.jsonLines(history, scenario: scenario.name), scenario: scenario.name, trial: history.trial)
            } catch {
                throw RunnerError.badWorkFolder("\(error)")
            }
        }
    }

    /// Every trial's record, kept as they arrive: trials that finished before an interrupt or
    /// a runner failure are reported, with the failure. A bad schedule stops the run (exit 2).
    func run() throws(Stop) -> ([TrialRecord], RunnerError?) {
        var progress = progressLine()
        var records: [TrialRecord] = []
        defer { progress.end() }
        do {
            if jobs > 1 {
                let inherited = [executor.work.descriptor] + (eventsFD.map { [$0] } ?? []) + (exportFD.map { [$0] } ?? [])
                // A random, pct or bounded exhaustive cell splits its own schedules across the workers (ScheduleSplit, ExhaustiveSplit), here.
                let split = units.filter { ScheduleExplorer.splits(plan.scenarios[$0.scenario]) }
                var here = executor
                here.scheduleJobs = jobs
                here.scheduleKeep = inherited
                for unit in split {
                    try here.run(unit) { records.append($0); progress.add($0) }
                    progress.finishCell(plan.scenarios[unit.scenario].name)
                }
                let pooled = units.filter { !ScheduleExplorer.splits(plan.scenarios[$0.scenario]) }
                if !pooled.isEmpty {
                    _ = try WorkerPool.run(pooled, jobs: jobs, executor: executor, keep: inherited) { records.append($0); progress.add($0) }
                }
            } else {
                var executor = executor
                for unit in units {
                    try executor.run(unit) { records.append($0); progress.add($0) }
                    if unit.trial == nil { progress.finishCell(plan.scenarios[unit.scenario].name) }
                }
            }
        } catch RunnerError.schedule(let why) {
            throw .error(why, code: 2)
        } catch let error as RunnerError {
            return (records, error)
        } catch {
            return (records, RunnerError.badWorkFolder("\(error)"))
        }
        return (records, nil)
    }

    /// A cell whose planned trials are a maximum: a stopping rule, or a search (exhaustive
    /// stops when complete, every strategy at its time budget; a default exhaustive budget
    /// was read as 2,301,305 trials to come, with an ETA of days).
    package static func plansOnlyABound(_ s: Scenario) -> Bool {
        s.stopRule != nil || s.schedule.strategy != .timing
    }

    /// The progress line on stderr: trials planned per cell and each cell's expectations.
    private func progressLine() -> ProgressLine {
        var planned: [String: Int] = [:], bounded = Set<String>()
        for u in units {
            let s = plan.scenarios[u.scenario]
            planned[s.name, default: 0] += u.trial == nil ? plan.trialCounts[u.scenario] : 1
            if u.trial == nil && Self.plansOnlyABound(s) { bounded.insert(s.name) }
        }
        let expectations = Dictionary(plan.scenarios.map { s in (s.name, Dictionary(uniqueKeysWithValues: s.invariants.map { ($0, s.expectation(for: $0)) })) },
                                      uniquingKeysWith: { a, _ in a })
        let console = console
        return ProgressLine(mode: ProgressLine.mode(quiet: quiet), planned: planned.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                            bounded: bounded, expectations: expectations) { console.err($0) }
    }
}
