#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushSchedule

/// Runs one cell under its controlled strategy: schedule after schedule, each a fresh
/// trial judged and recorded with its schedule string; then shrinks the first
/// counterexample and puts the coverage and the story on the cell's last record.
package struct ScheduleExplorer {
    package let scenario: Scenario
    package let index: Int
    package let plan: RunPlan
    package let work: WorkFolder
    /// In a `--jobs` worker: the share of the cell's schedules this process runs.
    package var part: Part?
    /// `--jobs` > 1 on a random, pct or bounded exhaustive cell: the workers its schedules go to.
    package var split: Split?
    /// In a `--jobs` worker of a bounded exhaustive cell: the subtrees, and which worker this is.
    package var subtree: (share: ExhaustiveShare, worker: Int)?

    package init(scenario: Scenario, index: Int, plan: RunPlan, work: WorkFolder) {
        self.scenario = scenario
        self.index = index
        self.plan = plan
        self.work = work
    }

    /// One judged schedule.
    package struct Judged {
        package var history: TrialHistory
        package var results: [CheckResult]
        package var choices: [Int]
        package var enabled: [[Int]]
        package var steps: [ControlledStep]
        package var waitFor: String? = nil
        package var violated: Set<Invariant> {
            Set(results.filter { $0.verdict == .violated }.map(\.invariant))
        }
        package var trimmed: [Int] { ScheduleString.trimmed(choices, enabled: enabled) }
    }

    /// Runs `s` once under `strategy` in a scratch folder; nil when abandoned.
    package static func once(_ s: Scenario, strategy: inout some Scheduler, trial: Int, seed: UInt64, folder: String,
                             recordSteps: Bool = false, warm: WarmBuyers? = nil) throws -> Judged? {
        // A protocol program (the loader let nothing else through) finds its gate in TICKETRUSH_GATE_FD.
        var session = TrialSession(scenario: s, trial: trial, seed: seed, folder: folder)
        session.warm = warm
        let outcome = try session
            .run(recordSteps: recordSteps) { point throws(ScheduleDivergence) in try strategy.choose(point) }
        guard let history = outcome.history else { return nil }
        do throws(ScheduleDivergence) { try strategy.end(grants: outcome.choices.count) } catch { throw RunnerError.schedule(error.description) }
        let results = ProgramFailureText.annotate(Invariant.judge(s.invariants, history), history)
        return Judged(history: history, results: results, choices: outcome.choices, enabled: outcome.enabled, steps: outcome.steps,
                      waitFor: outcome.waitFor)
    }

    /// `--schedule-replay`: one schedule. One made for another shape or another version of
    /// the program's files is replayed anyway, with a warning that says which grant first
    /// stopped matching (or that none did); the rest of such a run follows the tail rule.
    private func replay(_ text: String, fingerprint: UInt32, observe: (Scenario, TrialHistory) throws -> Void,
                        record: (TrialRecord) throws -> Void) throws {
        let parsed: ScheduleString
        do { parsed = try ScheduleString.parse(text, for: scenario) } catch { throw RunnerError.schedule(error.description) }
        let foreign = parsed.fingerprint != fingerprint
        if foreign {
            let mine = ScheduleString(fingerprint: fingerprint, choices: []).text.split(separator: ".")[1]
            let files = ProgramFiles.paths(scenario).map { $0.split(separator: "/").last.map(String.init) ?? $0 }
            let what = files.isEmpty ? "its shape (buyers, tickets, wants, lock, storage, faults) differs"
                : "its shape (buyers, tickets, wants, lock, storage, faults) or its program's files (\(files.joined(separator: ", "))) differ"
            warn("schedule fingerprint \(String(text.split(separator: ".")[1])) is not this scenario's (\(mine)): \(what); replaying anyway")
        }
        var strategy = ReplayStrategy(choices: parsed.choices, lenient: foreign)
        var diverged: String?
        try explore(&strategy, fingerprint: fingerprint, observe: observe, record: record) { strategy, _, violating in
            diverged = strategy.diverged
            let note = foreign ? "; " + (strategy.diverged ?? "every grant of the string was still possible (the steps may not be the ones recorded)") : ""
            return Coverage(statement: "replay: 1 schedule \(text); \(violating > 0 ? "violated" : "no invariant violated")\(note)")
        }
        if foreign { warn("replay of \(text): " + (diverged ?? "the schedule did not diverge: every grant was still possible, but the steps may not be the ones recorded")) }
    }

    /// Schedule `trial` of the cell, on its warm buyers when it has them. Its own folder is
    /// made and removed as a fresh trial's; on warm buyers only in a kept work folder, where it
    /// gets the files the schedule left.
    func schedule(_ strategy: inout some Scheduler, trial: Int, warm: WarmBuyers?) throws -> Judged? {
        let s = scenario
        let folder = warm == nil || !work.isTemporary ? try work.trialFolder(scenario: s.name, trial: trial) : nil
        var judged: Judged?
        // A server's timing can show a buyer blocked that a moment later runs (MariaDB under
        // load): the prefix's enabled buyers then differ from the last run's. The strategy is
        // unchanged by a run that diverged in its prefix, so the schedule runs again; only a
        // divergence in every attempt ends the search (no verdict), and every rerun is said.
        for attempt in 1...Self.attempts {
            do {
                judged = try Self.once(s, strategy: &strategy, trial: trial, seed: plan.trialSeed(index, trial: 0), folder: folder ?? "",
                                       warm: warm)
                break
            } catch RunnerError.diverged(let why) where attempt < Self.attempts {
                warn("\(s.name): schedule \(trial + 1), attempt \(attempt) of \(Self.attempts): \(why); running it again")
                // A fresh folder (trialFolder empties it); a server store's table is made anew.
                if folder != nil { _ = try work.trialFolder(scenario: s.name, trial: trial) }
            }
        }
        if let warm, let folder { warm.copyFiles(into: folder) }
        if work.isTemporary, let folder { removeTree(folder) }
        return judged
    }

    static let attempts = 3

    private func warn(_ text: String) {
        var line = "ticketrush: warning: \(text)\n"
        _ = line.withUTF8 { write(2, $0.baseAddress, $0.count) }
    }

    package func run(observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void) throws {
        let s = scenario
        let config = s.schedule
        let fingerprint = ProgramFiles.fingerprint(s)
        if let text = config.replay {
            try replay(text, fingerprint: fingerprint, observe: observe, record: record)
            return
        }
        let runs = config.plannedRuns
        let seed = plan.seeds[index]
        let n = s.buyers.count
        switch config.strategy {
        case .timing:
            return
        case .random where part != nil, .pct where part != nil:
            try runPart(observe: observe, record: record, fingerprint: fingerprint)
        case .random where split != nil, .pct where split != nil:
            try runSplit(observe: observe, record: record, fingerprint: fingerprint)
        case .random:
            var strategy = RandomStrategy(seed: seed, runs: runs)
            try explore(&strategy, fingerprint: fingerprint, observe: observe, record: record) { _, runs, violating in
                Self.randomCoverage(runs: runs, buyers: n, seed: seed, violating: violating)
            }
        case .pct:
            var strategy = PCTStrategy(seed: seed, runs: runs, depth: config.depth, buyers: n)
            try explore(&strategy, fingerprint: fingerprint, observe: observe, record: record) { strategy, runs, violating in
                Self.pctCoverage(strategy, runs: runs, violating: violating)
            }
        case .exhaustive where subtree != nil:
            try runSubtrees(observe: observe, record: record, fingerprint: fingerprint)
        case .exhaustive where split != nil && config.preemptions != nil:
            try runExhaustiveSplit(observe: observe, record: record, fingerprint: fingerprint)
        case .exhaustive:
            var strategy = ExhaustiveStrategy(preemptions: config.preemptions, cap: runs, symmetry: Self.symmetry(s))
            try explore(&strategy, fingerprint: fingerprint, observe: observe, record: record) { ex, runs, violating in
                Coverage(statement: "exhaustive: \(Self.coverage(ex, runs: runs, buyers: n)); violated in \(violating)",
                         complete: ex.complete, abandoned: ex.abandoned)
            }
        }
    }

    /// Built-in buyers with no fault are identical (same code, wants, delays; they differ
    /// only in their names): renaming them maps a schedule to one with the same verdicts.
    /// A program may read its buyer number, a fault names or draws its buyers, and a seats or
    /// limit workload gives each buyer its own seats or customer: no symmetry.
    static func symmetry(_ s: Scenario) -> [Int]? {
        guard s.program == nil, s.faults.isEmpty, s.workload == nil || s.workload?.kind == .rows else { return nil }
        return [Int](repeating: 0, count: s.buyers.count)
    }

    /// "14 schedules, 14 classes, complete", and what a class is.
    static func coverage(_ ex: ExhaustiveStrategy, runs: Int, buyers n: Int) -> String {
        coverage(complete: ex.complete, bound: ex.preemptionBound, longest: ex.longest, identical: ex.identicalBuyers,
                 abandoned: ex.abandoned, runs: runs, buyers: n)
    }

    /// The same from the figures alone (a split search adds up its workers').
    static func coverage(complete: Bool, bound: Int?, longest: Int, identical: Int, abandoned: Int, runs: Int, buyers n: Int) -> String {
        let cut = abandoned > 0 ? " (\(abandoned) more cut short as already covered)" : ""
        let names = "the names of \(identical) identical buyers (they start in order)"
        let renamed = identical > 1 ? " and " + names : ""
        let steps = "\(plural(n, "buyer")) × up to \(longest) steps"
        guard complete else {
            let space = bound.map { " with ≤ \(plural($0, "preemption"))" } ?? ""
            return "\(plural(runs, "schedule")) of \(plural(n, "buyer"))\(space) explored (INCOMPLETE)"
        }
        if let k = bound {
            let up = renamed.isEmpty ? "" : ", up to " + names
            return "\(plural(runs, "schedule")) of \(steps) with ≤ \(plural(k, "preemption"))\(up), complete"
        }
        return "\(plural(runs, "schedule")), \(runs) \(runs == 1 ? "class" : "classes"), complete: every interleaving of \(steps), one per class equal up to the order of independent steps\(renamed)\(cut)"
    }

    static func randomCoverage(runs: Int, buyers n: Int, seed: UInt64, violating: Int) -> Coverage {
        Coverage(statement: "random: \(plural(runs, "schedule")) of \(plural(n, "buyer")) (seed \(seed)), each a uniform choice among the enabled buyers at every step; violated in \(violating)")
    }

    static func pctCoverage(_ strategy: PCTStrategy, runs: Int, violating: Int) -> Coverage {
        let bound = strategy.bound
        let inverse = bound > 0 ? Int((1 / bound).rounded()) : 0
        return Coverage(statement: "pct d=\(strategy.depth): \(plural(runs, "schedule")), each finds a depth-\(strategy.depth) bug with p ≥ 1/\(inverse) (n=\(strategy.buyers), k=\(strategy.k) steps with a choice); violated in \(violating)", pctBound: bound)
    }

    /// What a strategy says it covered.
    struct Coverage {
        var statement: String
        var complete: Bool? = nil
        var abandoned = 0
        var pctBound: Double? = nil
    }

    private func explore<S: Scheduler>(
        _ strategy: inout S, fingerprint: UInt32, observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void,
        coverage: (S, Int, Int) -> Coverage
    ) throws {
        let s = scenario
        var trial = 0
        var violating = 0
        var held: TrialRecord?
        // The first counterexample of each invariant; the one shrunk and shown is that of
        // the first invariant in the format's order (no-oversell before conservation, …).
        var firstBy: [Invariant: Judged] = [:]
        var keptTimeline = false
        var escaped: (trial: Int, why: String)?
        let budget = SearchBudget(s.schedule, now: MonotonicClock.now())
        var timedOut = false, failedFast = false
        let warm = WarmBuyers.make(s, work: work)
        defer { warm?.end() }
        while !failedFast, strategy.begin() {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            // Checked once more schedules remain (begin said so), and after one was judged.
            if held != nil, budget.expired(now: MonotonicClock.now()) { timedOut = true; break }
            // One seed for every schedule of the cell (`schedule`): faults drawn by probability
            // hit the same buyers in each, so an exhaustive search sees one program and a replay
            // (trial 1 of a one-schedule run) draws the same faults as the schedule it replays.
            let judged = try schedule(&strategy, trial: trial, warm: warm)
            guard let judged else { strategy.abandon(); continue }
            let failed = judged.results.contains { $0.verdict != .holds }
            if judged.results.contains(where: { $0.verdict == .violated }) {
                violating += 1
                for i in judged.violated where firstBy[i] == nil { firstBy[i] = judged }
                failedFast = s.schedule.failFast == true
            }
            try observe(s, judged.history)
            if escaped == nil, let why = judged.history.fullControl { escaped = (trial, why) }
            var r = TrialRecord(history: judged.history, scenario: s.name, results: judged.results, keepTimeline: failed && !keptTimeline)
            if failed { keptTimeline = true }
            r.schedule = ScheduleString(fingerprint: fingerprint, choices: judged.trimmed).text
            if let previous = held { try record(previous) }
            held = r
            trial += 1
        }
        warm?.end()
        guard let last = held else { return }
        let first = Invariant.allCases.lazy.compactMap({ firstBy[$0] }).first
        var covered = coverage(strategy, trial, violating)
        covered.statement += Self.fullControlNote(escaped)
        try conclude(last, covered: covered, runs: trial, violating: violating, first: first,
                     stop: failedFast ? .failFast : budget.stop(timedOut: timedOut, exhaustiveComplete: covered.complete),
                     fingerprint: fingerprint, record: record)
    }

    /// Said, never silent: a schedule the ranged syscall filter could not follow ran again
    /// with every descriptor call held (docs/programs.md); in one process so did every later one.
    static func fullControlNote(_ escaped: (trial: Int, why: String)?) -> String {
        guard let escaped else { return "" }
        return "; from schedule \(escaped.trial + 1), the schedules the ranged syscall filter could not follow ran again with every descriptor call held (schedule \(escaped.trial + 1): \(escaped.why))"
    }

    /// The same over a split cell's records in the serial order (each worker learns it on its own).
    static func fullControlNote(_ records: [TrialRecord]) -> String {
        fullControlNote(records.lazy.compactMap { r in r.fullControl.map { (r.trial, $0) } }.first)
    }

    /// Puts what the search covered on its last record, with the first counterexample (of
    /// the first violated invariant) shrunk, and records it.
    func conclude(_ held: TrialRecord, covered: Coverage, runs trial: Int, violating: Int, first: Judged?, stop: SearchStop?,
                  fingerprint: UInt32, record: (TrialRecord) throws -> Void) throws {
        let s = scenario
        var last = held
        var summary = ScheduleSummary(strategy: s.schedule.replay != nil ? "replay" : s.schedule.strategy.rawValue, runs: trial,
                                      abandoned: covered.abandoned, complete: covered.complete, violating: violating,
                                      statement: covered.statement, pctBound: covered.pctBound)
        summary.stoppedBy = stop
        if let stop = summary.stoppedBy { summary.statement += "; stopped at \(stop.text(s.schedule))" }
        if let first {
            let text = ScheduleString(fingerprint: fingerprint, choices: first.trimmed).text
            summary.replay = text
            summary.replayCommand = Self.command(s, replay: text, overrides: s.schedule.overrides)
            if s.schedule.replay == nil, s.schedule.shrinkNs > 0 {
                var shrinker = Shrinker(original: s, work: work, seed: plan.trialSeed(index, trial: 0))
                shrinker.shrink(first, into: &summary)
            } else if s.schedule.replay != nil {
                // A replay tells its own story.
                var replay = ReplayStrategy(choices: first.trimmed)
                if let told = try Self.once(s, strategy: &replay, trial: 0,
                                            seed: plan.trialSeed(index, trial: 0), folder: try work.trialFolder(scenario: s.name + "~story", trial: 0),
                                            recordSteps: true) {
                    summary.story = Story.lines(told, scenario: s)
                }
            }
        }
        last.exploration = summary
        try record(last)
    }

    /// `ticketrush run FILE --cell C [overrides] --schedule-replay 'S'`.
    package static func command(_ s: Scenario, replay: String, overrides: [String]) -> String {
        (["ticketrush", "run", shellWord(s.origin?.path ?? "FILE"), "--cell", shellWord(s.name)] + overrides
            + ["--schedule-replay", "'\(replay)'"]).joined(separator: " ")
    }

    static func shellWord(_ text: String) -> String {
        let safe = !text.isEmpty && text.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        return safe ? text : "'" + text.replacingAll("'", with: "'\\''") + "'"
    }
}
