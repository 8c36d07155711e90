import TicketRushModel
import TicketRushChild
import TicketRushChecks
/// Which trials a run does: the scenarios (cells), each one's seed and trial count, and the
/// units of work in one canonical order that shards and job workers split.
package struct RunPlan: Sendable {
    /// One trial, or (for a cell with a stopping rule, whose count is decided as it runs)
    /// all of a cell's trials.
    package struct Unit: Sendable, Hashable {
        package var scenario: Int
        /// 0-based; nil for the whole cell.
        package var trial: Int?
        /// `--jobs` splitting a controlled cell: this unit runs every `parts`-th schedule from the `part`-th.
        package var part = 0
        package var parts = 1
    }

    package var scenarios: [Scenario]
    package var seeds: [UInt64]
    /// Trials each scenario asks for (the maximum under a stopping rule).
    package var trialCounts: [Int]
    package var units: [Unit]

    /// `seed` and `trials` override the files; `onlyTrial` (0-based) runs that one trial.
    /// Cells of one scenario share a random seed when neither the file nor `seed` fixes it.
    package init(scenarios: [Scenario], seed: UInt64?, trials: Int?, onlyTrial: Int?) {
        var random: [String: UInt64] = [:]
        var planned = scenarios
        self.seeds = scenarios.map { s in
            if let fixed = seed ?? s.seed { return fixed }
            let base = s.cell?.baseName ?? s.name
            if let made = random[base] { return made }
            let made = Seed.random()
            random[base] = made
            return made
        }
        for i in planned.indices where planned[i].schedule.isControlled {
            // Schedules are the trials: one unit explores the whole cell.
            planned[i].stopRule = nil
            planned[i].trials = planned[i].schedule.plannedRuns
        }
        for i in planned.indices where (trials != nil || onlyTrial != nil) && !planned[i].schedule.isControlled {
            // A fixed count replaces the stopping rule.
            planned[i].stopRule = nil
            planned[i].trials = trials ?? planned[i].trials
        }
        self.scenarios = planned
        trialCounts = planned.map(\.trials)
        var units: [Unit] = []
        for (i, s) in planned.enumerated() {
            if s.schedule.isControlled {
                units.append(Unit(scenario: i, trial: nil))
            } else if let onlyTrial {
                units.append(Unit(scenario: i, trial: onlyTrial))
            } else if s.stopRule != nil {
                units.append(Unit(scenario: i, trial: nil))
            } else {
                units += (0..<s.trials).map { Unit(scenario: i, trial: $0) }
            }
        }
        self.units = units
    }

    /// Shard `k` of `n` (1-based): every n-th unit from the (k-1)-th, so shards together
    /// cover each unit exactly once and take the same seeds as the whole run.
    package func shard(_ k: Int, of n: Int) -> [Unit] {
        units.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
    }

    /// Trials a set of units may run (stopping rules may end sooner).
    package func plannedTrials(_ units: [Unit]) -> Int {
        units.reduce(0) { $0 + ($1.trial == nil ? trialCounts[$1.scenario] : 1) }
    }

    /// The seed of `trial` of scenario `index`.
    package func trialSeed(_ index: Int, trial: Int) -> UInt64 {
        Seed.trial(seeds[index], cell: scenarios[index].cell, index: trial)
    }

    /// The scenarios `--cell` names: a full name (`NAME[…]` or a plain scenario's name) or
    /// a cell label (`lock.mode=flock,buyers.count=10`).
    package static func select(_ cell: String, in scenarios: [Scenario]) -> [Scenario] {
        scenarios.filter { $0.name == cell || $0.cell?.label == cell }
    }
}
