#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushEngines
import TicketRushFormat
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// `ticketrush run`: plan → servers → execute → results → reports, each a step below that
/// returns a value or stops with the outcome (exit code and lines).
package enum RunApp {
    /// The scenarios to run, the ones skipped (engine not installed: why), and the shard.
    struct Selection {
        var scenarios: [Scenario]
        var skipped: [(Scenario, String)] = []
        var shard: Shard?
    }

    package static func run(_ options: RunOptions, console: Console) -> Outcome {
        if let problem = options.problem() { return .error(problem, code: 2) }
        // Semaphores of runners or workers that died by SIGKILL (their owner pid is gone).
        StaleSemaphores.sweep()
        // And the temporary work and server folders of runners killed outright.
        StaleFolders.sweepTemporary()
        let startedAt = Date().timeIntervalSince1970
        // Each step throws only Stop, which carries its own outcome.
        do throws(Stop) {
            let selection = try select(options, console: console)
            let plan = try planned(selection, options)
            return try execute(plan, selection, options, startedAt: startedAt, console: console)
        } catch {
            return error.outcome
        }
    }

    /// The scenarios of the files (or of the previous run's failed cells), narrowed by the
    /// options; engines not installed are set aside (said on stderr now, reported skipped).
    static func select(_ o: RunOptions, console: Console) throws(Stop) -> Selection {
        var paths = o.paths
        var rerunSeeds: [String: UInt64]?
        if o.rerunFailed {
            let failed: (files: [String], seeds: [String: UInt64])
            do { failed = try CISupport.failedCells(in: o.reports).get() } catch { throw .error(error.message, code: 2) }
            if failed.seeds.isEmpty {
                throw Stop(Outcome(code: 0, lines: [.init(stream: .out, text: "ticketrush: every cell of the previous run in \(o.reports)/ passed: nothing to rerun")]))
            }
            if !o.trustReports {
                let outside = CISupport.untrustedFiles(failed.files, named: o.paths, reports: o.reports)
                if !outside.isEmpty { throw .error(untrusted(outside, o), code: 2) }
            }
            paths = failed.files
            rerunSeeds = failed.seeds
        }
        var scenarios = try load(paths)
        if let cell = o.cell {
            let chosen = RunPlan.select(cell, in: scenarios)
            guard !chosen.isEmpty else {
                throw .error("no scenario or cell named '\(cell)'; there are: \(scenarios.map(\.name).joined(separator: ", "))", code: 2)
            }
            scenarios = chosen
        }
        if !o.filter.isEmpty {
            let kept = NameFilter.select(o.filter, in: scenarios)
            guard !kept.isEmpty else { throw .error(NameFilter.nothingKept(o.filter, names: scenarios.map(\.name)), code: 2) }
            scenarios = kept
        }
        try o.applySchedule(&scenarios)
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
        var selection = Selection(scenarios: scenarios)
        selection.scenarios.removeAll { s in
            guard let why = EngineAvailability.missing(s) else { return false }
            selection.skipped.append((s, why))
            return true
        }
        for (s, why) in selection.skipped { console.errLine(visible("ticketrush: \(o.requireEngines ? "error" : "skipping") \(s.name): \(why)")) }
        selection.shard = try shard(o, console: console)
        return selection
    }

    /// Why `--rerun-failed` refuses files that only the reports folder names.
    static func untrusted(_ files: [String], _ o: RunOptions) -> String {
        let list = files.map { "'\($0)'" }.joined(separator: ", ")
        return visible("--rerun-failed: \(o.reports)/trials.json names \(list), outside the current folder and the paths given (or inside the reports folder); "
            + "a scenario file is code and a reports folder only data, so it is not run: name the file on the command line, "
            + "or pass --trust-reports if you trust whoever wrote \(o.reports)/ (docs/programs.md, \"Trust model\")")
    }

    /// Scenario files → scenarios; bad files stop with their diagnostics (exit 2).
    static func load(_ paths: [String]) throws(Stop) -> [Scenario] {
        do {
            return try ScenarioFiles.load(paths)
        } catch {
            throw Stop(Outcome(code: 2, lines: [.init(stream: .err, text: DiagnosticOutput.text(error.items, fd: 2))]))
        }
    }

    /// --shard K/N, or the shard the CI engine's environment gives with --shard auto.
    static func shard(_ o: RunOptions, console: Console) throws(Stop) -> Shard? {
        guard o.shard == "auto" else { return o.shard.flatMap(Shard.init) }
        let found: (k: Int, n: Int, source: String)
        do { found = try CISupport.autoShard(o.environment, shards: o.shards).get() } catch { throw .error(error.message, code: 2) }
        if !o.quiet { console.errLine("ticketrush: shard \(found.k)/\(found.n) (\(found.source))") }
        return Shard(k: found.k, n: found.n)
    }

    /// The plan, once the selection is known to fit the bounds.
    static func planned(_ s: Selection, _ o: RunOptions) throws(Stop) -> RunPlan {
        if s.shard != nil, o.seed == nil, let unseeded = s.scenarios.first(where: { $0.seed == nil }) {
            throw .error("--shard needs fixed seeds so every shard derives the same trial seeds: set 'seed' in \(unseeded.origin?.path ?? unseeded.name) or pass --seed", code: 2)
        }
        if let problem = RunBounds.problem(scenarios: s.scenarios, trials: o.trials, trial: o.trial) { throw .error(problem, code: 2) }
        return RunPlan(scenarios: s.scenarios, seed: o.seed, trials: o.trials, onlyTrial: o.trial.map { $0 - 1 })
    }

    /// Outputs and folders checked, servers started, the units run, the reports written.
    static func execute(_ plan: RunPlan, _ s: Selection, _ o: RunOptions, startedAt: Double, console: Console) throws(Stop) -> Outcome {
        // Before any folder is touched: a bad --balance-from stops here.
        let units = try ShardUnits.units(plan, shard: s.shard, balance: o.balance, from: o.balanceFrom)
        let places = try RunPlaces.open(o, scenarios: s.scenarios, console: console)
        defer {
            places.work.finish()
            places.outputs.release()
        }
        if let problem = RunBounds.pathProblem(scenarios: plan.scenarios, trialCounts: plan.trialCounts, work: places.work.root, events: o.events) {
            throw .error(problem, code: 2)
        }
        // Private servers (postgres, redis) for scenarios without a url: once per run, stopped on every way out.
        let servers = EngineServers()
        defer { servers.stop() }
        try start(servers, for: s.scenarios, jobs: o.jobs)
        if !o.quiet { for line in servers.startLines { console.out(line) } }
        var trials = TrialLoop(plan: plan, units: units, options: o, places: places, console: console)
        trials.executor.endpoints = servers.endpoints
        let (records, failure) = try trials.run()
        let results = results(plan, s, o, startedAt: startedAt, records: records, failure: failure)
        return try report(results, to: places.outputs, skipped: s.skipped.count, failure: failure, o)
    }

    /// Starts the private servers every scenario needs: connections for every buyer of the
    /// largest scenario in each of --jobs trials.
    static func start(_ servers: EngineServers, for scenarios: [Scenario], jobs: Int) throws(Stop) {
        do {
            try servers.start(for: scenarios, buyers: (scenarios.map(\.buyers.count).max() ?? 1) * jobs)
        } catch let error as RunnerError {
            servers.stop()
            if case .interrupted = error { throw .error("\(error)", code: 130) }
            throw .error("\(error)", code: 3)
        } catch let error as ServerError where error.signal != nil {
            servers.stop()
            throw .error("\(RunnerError.interrupted(signal: error.signal!))", code: 130)
        } catch {
            servers.stop()
            throw .error("a private server could not start: \(error)", code: 3)
        }
    }

    /// The run's results: every planned cell (skipped ones too) and every trial's record.
    /// A run cut short is marked incomplete: never a false green.
    static func results(_ plan: RunPlan, _ s: Selection, _ o: RunOptions, startedAt: Double, records: [TrialRecord],
                        failure: RunnerError?) -> RunResults {
        var cells = plan.scenarios.indices.map { CellRecord(plan.scenarios[$0], seed: plan.seeds[$0], trials: plan.trialCounts[$0]) }
        for (scenario, why) in s.skipped {
            var cell = CellRecord(scenario, seed: o.seed ?? scenario.seed ?? 0, trials: 0)
            cell.skipped = why
            cells.append(cell)
        }
        return RunResults(shard: s.shard.map { RunResults.Shard(k: $0.k, n: $0.n) }, startedAt: startedAt, cells: cells,
                          trials: records, incomplete: failure.map(incompleteReason))
    }

    /// Writes the reports and decides the exit code. A shard reports what it alone cannot
    /// judge as pending (never failed), so its exit status is its output's: 1 exactly when
    /// it printed a failure.
    static func report(_ results: RunResults, to outputs: ReportFiles.Outputs, skipped: Int, failure: RunnerError?,
                       _ o: RunOptions) throws(Stop) -> Outcome {
        do {
            try ReportFiles.write(results, to: outputs)
        } catch {
            throw .error("reports not written (the previous ones are untouched): \(error.description)", code: 3)
        }
        if let failure {
            var outcome = Outcome(code: 3, lines: ReportFiles.summary(results, quiet: true, reports: o.reports, junit: o.junit))
            outcome.lines.append(.init(stream: .err, text: "ticketrush: error: \(failure)"))
            if case .interrupted = failure { outcome.code = 130 }
            return outcome
        }
        var outcome = Outcome(code: results.passed ? 0 : 1, lines: ReportFiles.summary(results, quiet: o.quiet, reports: o.reports, junit: o.junit))
        outcome.lines += CISupport.emit(results, format: o.format, environment: o.environment)
        if outcome.code == 0, o.requireEngines, skipped > 0 {
            outcome.code = 1
            outcome.lines.append(.init(stream: .err, text: "ticketrush: error: --require-engines: \(skipped) scenario(s) skipped because their engine is not installed"))
        }
        return outcome
    }

    /// The short reason an incomplete run's reports give.
    package static func incompleteReason(_ failure: RunnerError) -> String {
        if case .interrupted(let signal) = failure { return "interrupted by signal \(signal)" }
        return "\(failure)"
    }
}
