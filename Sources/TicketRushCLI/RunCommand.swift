import ArgumentParser
import CTicketRush
import Foundation
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports
import TicketRushSchedule

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files and write the reports (JUnit, CSV, JSON, HTML).",
        discussion: """
            Each trial forks one process per buyer in a fresh work folder; the folder is removed afterwards unless --work is given. \
            Reports go to --reports (default reports/): junit.xml, results.csv, summary.json, index.html and trials.json \
            (what `ticketrush merge` combines). With --shard, what one shard cannot judge (an expected violation \
            not seen in its trials, thresholds) is pending, not failed: judge the whole run with `ticketrush merge`.
            """)

    @Argument(help: "Scenario files, or folders searched for *.yaml and *.yml.")
    var paths: [String] = ["scenarios"]

    @Option(help: "Folder for every report.")
    var reports: String = "reports"

    @Option(help: "Where to write the JUnit XML report (default: REPORTS/junit.xml).")
    var junit: String?

    @Option(help: "Run this many trials of every scenario, overriding the files (and any trials.until rule).")
    var trials: Int?

    @Option(help: "Seed every scenario with this, overriding the files.")
    var seed: UInt64?

    @Option(help: "Run only this scenario or sweep cell: its full name (NAME[lock.mode=flock,…]) or its label (lock.mode=flock,…).")
    var cell: String?

    @Option(help: "Run only this trial (1-based) of each scenario run, with the seed it has in the whole run.")
    var trial: Int?

    @Option(help: "Run shard K of N (K/N): a deterministic 1/N of the (scenario, cell, trial) units, with the seeds of the whole run. Needs fixed seeds.")
    var shard: String?

    @Option(help: "Run this many trials at once, each in its own worker process. Default 1: parallel trials disturb each other's timing (latency, throughput, and how often a race bites).")
    var jobs: Int = 1

    @Option(help: "Keep each trial's event log as JSON Lines under this folder.")
    var events: String?

    @Option(help: "Run trials in this folder and keep them (default: a temporary folder, removed).")
    var work: String?

    @Option(help: "Override every scenario's schedule strategy: timing, random, pct or exhaustive (docs/schedules.md).")
    var schedule: String?

    @Option(help: "Replay exactly this controlled schedule (S1.FINGERPRINT.CHOICES) of the one scenario --cell names.")
    var scheduleReplay: String?

    @Option(help: "Override the buyer count (as a shrunk counterexample's command does).")
    var buyers: Int?

    @Option(help: "Override the ticket count.")
    var tickets: Int?

    @Option(help: "Override the tickets each buyer wants.")
    var wants: Int?

    @Flag(help: "Print one human line per event.")
    var transcript = false

    @Flag(help: "Print only problems and the closing line; no progress line.")
    var quiet = false

    @Option(help: "text, or github: also an ::error annotation at the line of each unmet expectation, and a Markdown summary appended to $GITHUB_STEP_SUMMARY when set.")
    var format: OutputFormat = .text

    @Option(help: "With --shard auto on a Kubernetes Indexed Job: the number of shards (its completions); else TICKETRUSH_SHARDS.")
    var shards: Int?

    @Flag(help: "Rerun only the cells that did not pass in the previous run whose reports are in --reports (REPORTS/trials.json), with the seeds they ran with.")
    var rerunFailed = false

    @Flag(help: "Fail (exit 1) instead of skipping a scenario whose storage engine is not installed (CI uses this, so it can never pass by skipping).")
    var requireEngines = false

    func validate() throws {
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1") }
        if let trial, trial < 1 { throw ValidationError("--trial must be at least 1") }
        // The plan holds one unit per trial: a huge count would abort allocating, not run.
        if let trials, trials > RunBounds.maxTrials { throw ValidationError("--trials must be at most \(RunBounds.maxTrials)") }
        if let trial, trial > RunBounds.maxTrials { throw ValidationError("--trial must be at most \(RunBounds.maxTrials)") }
        if jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be from 1 to 256") }
        if let shard, shard != "auto", Shard(shard) == nil { throw ValidationError("--shard must be K/N with 1 <= K <= N, or auto, got '\(shard)'") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
    }

    func run() throws {
        tr_install_interrupt_handlers()
        // Semaphores of runners or workers that died by SIGKILL (their owner pid is gone).
        StaleSemaphores.sweep()
        let startedAt = Date().timeIntervalSince1970
        var scenarios: [Scenario]
        var rerunSeeds: [String: UInt64]?
        var paths = self.paths
        if rerunFailed {
            switch CISupport.failedCells(in: reports) {
            case .failure(let error):
                printError("ticketrush: error: \(error.message)")
                throw ExitCode(2)
            case .success(let failed):
                if failed.seeds.isEmpty {
                    print("ticketrush: every cell of the previous run in \(reports)/ passed: nothing to rerun")
                    return
                }
                paths = failed.files
                rerunSeeds = failed.seeds
            }
        }
        do {
            scenarios = try ScenarioFiles.load(paths)
        } catch {
            printError(DiagnosticOutput.text(error.items, fd: 2))
            throw ExitCode(2)
        }
        if let cell {
            let chosen = RunPlan.select(cell, in: scenarios)
            guard !chosen.isEmpty else {
                printError("ticketrush: error: no scenario or cell named '\(cell)'; there are: \(scenarios.map(\.name).joined(separator: ", "))")
                throw ExitCode(2)
            }
            scenarios = chosen
        }
        do {
            try applyScheduleOptions(&scenarios)
        } catch let error as ScheduleOptionError {
            printError("ticketrush: error: \(error.description)")
            throw ExitCode(2)
        }
        if let rerunSeeds {
            // The failing cells only, each with the seed it ran with (unless --seed overrides).
            scenarios = scenarios.compactMap { s in
                guard let seed = rerunSeeds[s.name] else { return nil }
                var s = s
                s.seed = seed
                return s
            }
        }
        // Before anything is written: a database scenario needs a binary that can load its client.
        ClientLibraries.continueInEnginesIfNeeded(scenarios.map(\.storage.kind))
        // Engines not installed here: their scenarios are reported as skipped, with what to install.
        var skipped: [(Scenario, String)] = []
        scenarios.removeAll { s in
            guard let why = EngineAvailability.missing(s) else { return false }
            skipped.append((s, why))
            return true
        }
        for (s, why) in skipped { printError("ticketrush: \(requireEngines ? "error" : "skipping") \(s.name): \(why)") }
        var shardSpec = shard.flatMap(Shard.init)
        if shard == "auto" {
            switch CISupport.autoShard(ProcessInfo.processInfo.environment, shards: shards) {
            case .failure(let error):
                printError("ticketrush: error: \(error.message)")
                throw ExitCode(2)
            case .success(let found):
                shardSpec = Shard(k: found.k, n: found.n)
                if !quiet { printError("ticketrush: shard \(found.k)/\(found.n) (\(found.source))") }
            }
        }
        if shardSpec != nil, seed == nil, let unseeded = scenarios.first(where: { $0.seed == nil }) {
            printError("ticketrush: error: --shard needs fixed seeds so every shard derives the same trial seeds: set 'seed' in \(unseeded.origin?.path ?? unseeded.name) or pass --seed")
            throw ExitCode(2)
        }
        if let problem = RunBounds.problem(scenarios: scenarios, trials: trials, trial: trial) {
            printError("ticketrush: error: \(problem)")
            throw ExitCode(2)
        }
        let plan = RunPlan(scenarios: scenarios, seed: seed, trials: trials, onlyTrial: trial.map { $0 - 1 })
        let units = shardSpec.map { plan.shard($0.k, of: $0.n) } ?? plan.units

        // Every output place is checked (and the folders locked) before the first trial.
        let outputs: ReportFiles.Outputs
        let workFolder: WorkFolder
        do {
            outputs = try ReportFiles.Outputs.prepare(reports: reports, junit: junit, events: events)
            workFolder = try work.map(WorkFolder.kept(at:)) ?? WorkFolder.temporary()
            try workFolder.checkScenarioFolders(scenarios.map(\.name))
        } catch let error as SafeFiles.Failure {
            printError("ticketrush: error: \(error.description)")
            throw ExitCode(error.interrupted ? 130 : 3)
        } catch {
            printError("ticketrush: error: \(error)")
            if case .interrupted? = error as? RunnerError { throw ExitCode(130) }
            throw ExitCode(3)
        }
        defer { workFolder.finish() }
        if let problem = RunBounds.pathProblem(scenarios: plan.scenarios, trialCounts: plan.trialCounts, work: workFolder.root, events: events) {
            printError("ticketrush: error: \(problem)")
            throw ExitCode(2)
        }

        // Private servers (postgres, redis) for scenarios without a url: once per run, stopped on every way out.
        let servers = EngineServers()
        defer { servers.stop() }
        do {
            // Connections at once: every buyer of the largest scenario in each of --jobs trials.
            try servers.start(for: scenarios, buyers: (scenarios.map(\.buyers.count).max() ?? 1) * jobs)
        } catch let error as RunnerError {
            servers.stop()
            printError("ticketrush: error: \(error)")
            if case .interrupted = error { throw ExitCode(130) }
            throw ExitCode(3)
        } catch {
            servers.stop()
            printError("ticketrush: error: a private server could not start: \(error)")
            throw ExitCode(3)
        }
        if !quiet { for line in servers.startLines { print(line) } }

        let transcript = self.transcript, keepEvents = events != nil
        var executor = UnitExecutor(plan: plan, work: workFolder) { scenario, history in
            if transcript { print(Transcript.lines(history, scenario: scenario.name).map { visible($0) }.joined(separator: "\n")) }
            if keepEvents { do {
                try outputs.writeEvents(EventLog.jsonLines(history, scenario: scenario.name), scenario: scenario.name, trial: history.trial)
            } catch {
                throw RunnerError.badWorkFolder("\(error)")
            } }
        }
        executor.endpoints = servers.endpoints
        var planned: [String: Int] = [:]
        for u in units { planned[plan.scenarios[u.scenario].name, default: 0] += u.trial == nil ? plan.trialCounts[u.scenario] : 1 }
        let expectations = Dictionary(plan.scenarios.map { s in (s.name, Dictionary(uniqueKeysWithValues: s.invariants.map { ($0, s.expectation(for: $0)) })) },
                                      uniquingKeysWith: { a, _ in a })
        var progress = ProgressLine(mode: ProgressLine.mode(quiet: quiet), planned: planned.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                expectations: expectations) {
            Terminal.writeError($0)
        }
        var records: [TrialRecord] = []
        var failure: RunnerError?
        do {
            if jobs > 1 {
                // Kept as they arrive: trials that finished before an interrupt are reported.
                let inherited = [workFolder.descriptor] + (outputs.eventsFD.map { [$0] } ?? [])
                _ = try WorkerPool.run(units, jobs: jobs, executor: executor, keep: inherited) { records.append($0); progress.add($0) }
            } else {
                var executor = executor
                for unit in units {
                    try executor.run(unit) { records.append($0); progress.add($0) }
                    if unit.trial == nil { progress.finishCell(plan.scenarios[unit.scenario].name) }
                }
            }
        } catch RunnerError.schedule(let why) {
            progress.end()
            printError("ticketrush: error: \(why)")
            throw ExitCode(2)
        } catch let error as RunnerError {
            failure = error
        }
        progress.end()

        var cells = plan.scenarios.indices.map { CellRecord(plan.scenarios[$0], seed: plan.seeds[$0], trials: plan.trialCounts[$0]) }
        for (s, why) in skipped {
            var cell = CellRecord(s, seed: seed ?? s.seed ?? 0, trials: 0)
            cell.skipped = why
            cells.append(cell)
        }
        // A run cut short still writes its reports, marked incomplete: never a false green.
        let results = RunResults(shard: shardSpec.map { RunResults.Shard(k: $0.k, n: $0.n) }, startedAt: startedAt, cells: cells,
                                 trials: records, incomplete: failure.map(Self.incompleteReason))
        do {
            try ReportFiles.write(results, to: outputs)
        } catch {
            printError("ticketrush: error: reports not written (the previous ones are untouched): \(error.description)")
            throw ExitCode(3)
        }
        if let failure {
            _ = ReportFiles.printSummary(results, quiet: true, reports: reports, junit: junit)
            printError("ticketrush: error: \(failure)")
            if case .interrupted = failure { throw ExitCode(130) }
            throw ExitCode(3)
        }
        let status = ReportFiles.printSummary(results, quiet: quiet, reports: reports, junit: junit)
        CISupport.emit(results, format: format)
        // A shard reports what it alone cannot judge as pending (never failed), so its exit
        // status is its output's: 1 exactly when it printed a failure.
        if status != 0 { throw ExitCode(status) }
        if requireEngines, !skipped.isEmpty {
            printError("ticketrush: error: --require-engines: \(skipped.count) scenario(s) skipped because their engine is not installed")
            throw ExitCode(1)
        }
    }

    struct ScheduleOptionError: Error, CustomStringConvertible {
        var description: String
    }

    /// --schedule, --schedule-replay and the shape overrides, applied to the chosen scenarios.
    private func applyScheduleOptions(_ scenarios: inout [Scenario]) throws {
        var overrides: [String] = []
        if let buyers {
            guard buyers >= 1 else { throw ScheduleOptionError(description: "--buyers must be at least 1, got \(buyers)") }
            overrides += ["--buyers", "\(buyers)"]
        }
        if let tickets {
            guard tickets >= 0 else { throw ScheduleOptionError(description: "--tickets must be at least 0, got \(tickets)") }
            overrides += ["--tickets", "\(tickets)"]
        }
        if let wants {
            guard wants >= 1 else { throw ScheduleOptionError(description: "--wants must be at least 1, got \(wants)") }
            overrides += ["--wants", "\(wants)"]
        }
        var strategy: ScheduleStrategy?
        if let schedule {
            guard let s = ScheduleStrategy(rawValue: schedule) else {
                throw ScheduleOptionError(description: "--schedule '\(schedule)' is not a strategy: use one of \(ScheduleStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            strategy = s
        }
        if scheduleReplay != nil, scenarios.count != 1 {
            throw ScheduleOptionError(description: "--schedule-replay replays one scenario: name it with --cell (\(scenarios.count) selected)")
        }
        for i in scenarios.indices {
            if let buyers { scenarios[i].buyers.count = buyers }
            if let tickets { scenarios[i].tickets = tickets }
            if let wants { scenarios[i].buyers.wants = wants }
            // A pattern program or a whole program has no gates: --schedule leaves it under
            // timing. A protocol program (buyers.command without outcomes) waits at its gate.
            let gated = scenarios[i].program?.isControllable ?? true
            if let strategy, gated { scenarios[i].schedule.strategy = strategy }
            if scheduleReplay != nil, !gated {
                throw ScheduleOptionError(description: "--schedule-replay: \(scenarios[i].name) runs a program judged by outcomes patterns or a whole program (program.command), which has no gates to schedule")
            }
            scenarios[i].schedule.overrides = overrides
            if let text = scheduleReplay {
                do {
                    _ = try ScheduleString.parse(text, for: scenarios[i])
                } catch {
                    throw ScheduleOptionError(description: "--schedule-replay: \(error.description)")
                }
                scenarios[i].schedule.replay = text
            }
        }
    }

    /// The short reason an incomplete run's reports give.
    static func incompleteReason(_ failure: RunnerError) -> String {
        if case .interrupted(let signal) = failure { return "interrupted by signal \(signal)" }
        return "\(failure)"
    }
}

/// `K/N` from --shard.
struct Shard {
    var k: Int
    var n: Int

    init(k: Int, n: Int) {
        self.k = k
        self.n = n
    }

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else { return nil }
        self.k = k
        self.n = n
    }
}
