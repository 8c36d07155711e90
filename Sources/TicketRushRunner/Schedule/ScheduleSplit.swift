import CTicketRush
import TicketRushModel
import TicketRushChecks
import TicketRushSchedule

/// `--jobs N` on one random or pct cell: its schedules split across N worker processes
/// (`WorkerPool`, forked while the runner is single-threaded). A schedule's choices depend
/// only on the cell's seed, its index and (pct) the k of earlier rounds, so the schedules,
/// verdicts, counterexample (the first failing schedule by index, whatever finished first)
/// and reports equal those of `--jobs 1`. A bounded exhaustive cell splits its tree
/// (ExhaustiveSplit); the unbounded one stays in one process: its DPOR branches are added
/// to earlier levels by races found deeper, so a static split of the tree would either
/// explore other subtrees' classes or lose them.
extension ScheduleExplorer {
    /// A run of consecutive schedules, and the k (pct) they draw change points from.
    package struct Round: Sendable {
        package var range: Range<Int>
        package var k: Int
        /// No earlier round failed: the first failing schedule (which keeps its timeline) may be in this one.
        package var timeline = true
    }

    /// One worker's share: every `parts`-th schedule of `round` from its `part`-th.
    package struct Part: Sendable {
        package var round: Round
        package var part: Int
        package var parts: Int
    }

    /// The workers a split cell's rounds go to.
    package struct Split {
        package var jobs: Int
        package var executor: UnitExecutor
        package var keep: [Int32]

        package init(jobs: Int, executor: UnitExecutor, keep: [Int32]) {
            self.jobs = jobs
            self.executor = executor
            self.keep = keep
        }
    }

    /// Cells whose schedules `--jobs` splits: random, pct and bounded exhaustive
    /// (ExhaustiveSplit), not a replay.
    package static func splits(_ s: Scenario) -> Bool {
        s.schedule.replay == nil && (s.schedule.strategy == .random || s.schedule.strategy == .pct || splitsExhaustive(s))
    }

    /// In a worker: its schedules of the round, each recorded as its own trial (index =
    /// schedule index); the last record tells pct's k. The parent judges the whole cell.
    func runPart(observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void, fingerprint: UInt32) throws {
        guard let part else { return }
        let s = scenario
        let config = s.schedule, seed = plan.seeds[index]
        // Each worker on its own CPU: a trial pins to the CPU it starts on, and workers forked
        // on the runner's CPU would stay there together (perf stat: 1.03 CPUs used, 1.28 so).
        _ = tr_pin_process(Int32(part.part))
        if config.strategy == .random {
            var strategy = RandomStrategy(seed: seed, runs: part.round.range.upperBound, part: part.round.range.lowerBound + part.part, parts: part.parts)
            try runShare(&strategy, timeline: part.round.timeline, index: { $0.current }, k: { _ in nil }, observe: observe, record: record,
                         fingerprint: fingerprint)
        } else {
            var strategy = PCTStrategy(seed: seed, runs: config.plannedRuns, depth: config.depth, buyers: s.buyers.count,
                                       round: part.round.range, part: part.part, parts: part.parts, k: part.round.k)
            try runShare(&strategy, timeline: part.round.timeline, index: { $0.current }, k: { $0.k }, observe: observe, record: record,
                         fingerprint: fingerprint)
        }
    }

    private func runShare<S: Scheduler>(_ strategy: inout S, timeline: Bool, index current: (S) -> Int, k: (S) -> Int?,
                                        observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void,
                                        fingerprint: UInt32) throws {
        let s = scenario
        var keptTimeline = !timeline
        let warm = WarmBuyers.make(s, work: work, slot: part?.part ?? 0)
        defer { warm?.end() }
        while strategy.begin() {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            let trial = current(strategy)
            let judged = try schedule(&strategy, trial: trial, warm: warm)
            // Random and pct never abandon a schedule.
            guard let judged else { throw RunnerError.schedule("schedule \(trial + 1) of \(s.name) was abandoned") }
            try observe(s, judged.history)
            // This part's first failing schedule keeps its timeline (the cell's first is the
            // first of some part); the parent keeps the cell's first one's only.
            let failed = judged.results.contains { $0.verdict != .holds }
            var r = TrialRecord(history: judged.history, scenario: s.name, results: judged.results, keepTimeline: failed && !keptTimeline)
            if failed { keptTimeline = true }
            r.schedule = ScheduleString(fingerprint: fingerprint, choices: judged.trimmed).text
            if let k = k(strategy) {
                // pct: the most steps with a choice of this part so far, for the runner's k.
                var note = ScheduleSummary(strategy: "part", runs: 0, violating: 0, statement: "")
                note.pctK = k
                r.exploration = note
            }
            try record(r)
        }
    }

    /// In the runner: the cell's rounds, each split across the workers; then the records in
    /// schedule order, judged as one search.
    func runSplit(observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void, fingerprint: UInt32) throws {
        guard let split else { return }
        let s = scenario, config = s.schedule, seed = plan.seeds[index]
        var pct = PCTStrategy(seed: seed, runs: config.plannedRuns, depth: config.depth, buyers: s.buyers.count)
        let budget = SearchBudget(config, now: MonotonicClock.now())
        var records: [TrialRecord] = [], timedOut = false
        let pctRounds = PCTStrategy.rounds(config.plannedRuns, largest: 64)
        var last = 0..<0, lastNs: UInt64 = 0, round = 0
        while last.upperBound < config.plannedRuns {
            if !records.isEmpty, budget.expired(now: MonotonicClock.now()) { timedOut = true; break }
            let range = config.strategy == .random ? Self.randomRound(after: last, tookNs: lastNs, runs: config.plannedRuns) : pctRounds[round]
            let began = MonotonicClock.now()
            defer { (last, lastNs, round) = (range, MonotonicClock.now() &- began, round + 1) }
            var executor = split.executor
            executor.scheduleRound = Round(range: range, k: pct.k,
                                           timeline: !records.contains { $0.results.contains { $0.verdict != .holds } })
            let parts = min(split.jobs, range.count)
            let units = (0..<parts).map { RunPlan.Unit(scenario: index, trial: nil, part: $0, parts: parts) }
            var got = try WorkerPool.run(units, jobs: parts, executor: executor, keep: split.keep) { _ in }.sorted { $0.trial < $1.trial }
            guard got.map(\.trial) == Array(range) else {
                throw RunnerError.workerFailed("the workers sent \(got.count) of the \(range.count) schedules \(range.lowerBound + 1)–\(range.upperBound) of \(s.name)")
            }
            // --fail-fast: what one process would have run, up to its first counterexample.
            let first = config.failFast == true ? got.firstIndex { $0.results.contains { $0.verdict == .violated } } : nil
            if let first { got.removeSubrange((first + 1)...) }
            for i in got.indices {
                if let k = got[i].exploration?.pctK { pct.learned(k) }
                got[i].exploration = nil
            }
            records += got
            if first != nil { return try judgeSplit(records, pct: pct, stop: .failFast, fingerprint: fingerprint, record: record) }
        }
        try judgeSplit(records, pct: pct, stop: budget.stop(timedOut: timedOut, exhaustiveComplete: nil), fingerprint: fingerprint, record: record)
    }

    /// Random's next round after `last` (which took `tookNs`): twice as many schedules, or
    /// as many as fit in `roundNs` at its pace when that is more, at most 512. Random learns
    /// nothing between rounds, and each round forks its workers and their warm crews: with
    /// warm schedules (a fraction of a millisecond) a 2,000-schedule cell takes 8 rounds,
    /// not 11 (strace of the benchmark). The time budget and --fail-fast are looked at
    /// between rounds; pct keeps its fixed rounds (its k is learned at their starts).
    static func randomRound(after last: Range<Int>, tookNs: UInt64, runs: Int) -> Range<Int> {
        let roundNs: UInt64 = 100_000_000
        let paced = tookNs == 0 ? 0 : Int(min(UInt64(last.count) * roundNs / tookNs, 512))
        let size = last.isEmpty ? 1 : min(max(last.count * 2, paced, 4), 512)
        return last.upperBound..<min(last.upperBound + size, runs)
    }

    /// The serial search's bookkeeping over records in schedule order: counts, the first
    /// failing schedule's timeline, the first counterexample (replayed here to be shrunk).
    private func judgeSplit(_ records: [TrialRecord], pct: PCTStrategy, stop: SearchStop?, fingerprint: UInt32,
                            record: (TrialRecord) throws -> Void) throws {
        let s = scenario
        var records = records
        let (violating, counterexample) = Self.tally(&records)
        guard let last = records.last else { return }
        for r in records.dropLast() { try record(r) }
        let first = try counterexample.flatMap { r in try r.schedule.flatMap { try replayed($0, trial: r.trial) } }
        var covered = s.schedule.strategy == .random
            ? Self.randomCoverage(runs: records.count, buyers: s.buyers.count, seed: plan.seeds[index], violating: violating)
            : Self.pctCoverage(pct, runs: records.count, violating: violating)
        covered.statement += Self.fullControlNote(records)
        try conclude(last, covered: covered, runs: records.count, violating: violating, first: first, stop: stop,
                     fingerprint: fingerprint, record: record)
    }

    /// A split search's records in the serial order, counted as one process counts them: how
    /// many violate, the first counterexample (of the first violated invariant in the format's
    /// order), and only the first failing record keeps its timeline.
    static func tally(_ records: inout [TrialRecord]) -> (violating: Int, first: TrialRecord?) {
        var violating = 0, keptTimeline = false
        var firstBy: [Invariant: TrialRecord] = [:]
        for i in records.indices {
            let failed = records[i].results.contains { $0.verdict != .holds }
            let violated = records[i].results.filter { $0.verdict == .violated }.map(\.invariant)
            if !violated.isEmpty { violating += 1 }
            for v in violated where firstBy[v] == nil { firstBy[v] = records[i] }
            if !(failed && !keptTimeline) { records[i].timeline = nil }
            if failed { keptTimeline = true }
        }
        return (violating, Invariant.allCases.lazy.compactMap { firstBy[$0] }.first)
    }

    /// A worker's counterexample, run again here from its string: the same grants, the same
    /// verdicts (the shrinker starts from it).
    func replayed(_ text: String, trial: Int) throws -> Judged? {
        let parsed: ScheduleString
        do { parsed = try ScheduleString.parse(text, for: scenario) } catch { throw RunnerError.schedule(error.description) }
        var strategy = ReplayStrategy(choices: parsed.choices)
        let folder = try work.trialFolder(scenario: scenario.name + "~first", trial: trial)
        defer { if work.isTemporary { removeTree(folder) } }
        return try Self.once(scenario, strategy: &strategy, trial: trial, seed: plan.trialSeed(index, trial: 0), folder: folder)
    }
}
