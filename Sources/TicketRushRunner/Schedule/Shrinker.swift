#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChecks
import TicketRushSchedule

/// Shrinks a failing schedule within a time budget, keeping the same set of violated
/// invariants (Lincheck and Hypothesis style): drop buyers by projecting their grants out
/// (highest first, half at a time while it works); lower tickets and wants; then look for
/// the fewest preemptions (bounded exhaustive search, 0, 1, 2, …); cut the schedule to its
/// shortest failing prefix. Every candidate is a real replay.
package struct Shrinker {
    package let original: Scenario
    package let work: WorkFolder
    package let seed: UInt64
    private var replays = 0
    private let deadline: UInt64

    package init(original: Scenario, work: WorkFolder, seed: UInt64) {
        self.original = original
        self.work = work
        self.seed = seed
        deadline = MonotonicClock.now() + UInt64(max(original.schedule.shrinkNs, 0))
    }

    private var timeLeft: Bool { MonotonicClock.now() < deadline }

    /// The scenario and choices shrinking arrives at (pure reduction steps are `Reduction`).
    package struct Candidate {
        package var scenario: Scenario
        package var choices: [Int]
    }

    private mutating func attempt(_ c: Candidate, target: Set<Invariant>, tolerant: Bool = true) -> ScheduleExplorer.Judged? {
        guard timeLeft else { return nil }
        replays += 1
        var strategy = ReplayStrategy(choices: c.choices, tolerant: tolerant)
        _ = strategy.begin()
        guard let folder = try? work.trialFolder(scenario: original.name + "~shrink", trial: 0),
              let judged = try? ScheduleExplorer.once(c.scenario, strategy: &strategy, trial: 0, seed: seed, folder: folder) else { return nil }
        if work.isTemporary { removeTree(folder) }
        return judged.violated == target ? judged : nil
    }

    /// Another schedule of `s` with the same violations: a few seeded random ones. One buyer
    /// has one schedule, which the replay before this already ran.
    private mutating func search(_ s: Scenario, target: Set<Invariant>, runs: Int) -> ScheduleExplorer.Judged? {
        guard s.buyers.count > 1 else { return nil }
        var strategy = RandomStrategy(seed: seed ^ 0x5EED, runs: runs)
        while timeLeft, strategy.begin() {
            replays += 1
            guard let folder = try? work.trialFolder(scenario: original.name + "~shrink", trial: 0),
                  let judged = try? ScheduleExplorer.once(s, strategy: &strategy, trial: 0, seed: seed, folder: folder) else { continue }
            if work.isTemporary { removeTree(folder) }
            if judged.violated == target { return judged }
        }
        return nil
    }

    private mutating func cut(_ c: inout Candidate, _ j: inout ScheduleExplorer.Judged, target: Set<Invariant>) {
        let full = j.trimmed
        for length in 0..<full.count {
            let shorter = Candidate(scenario: c.scenario, choices: Array(full[..<length]))
            if let found = attempt(shorter, target: target, tolerant: false) {
                c = Candidate(scenario: c.scenario, choices: found.trimmed)
                j = found
                return
            }
        }
        c.choices = full
    }

    /// What the shrinker may lower: tickets and wants; a workload's tickets stand for its
    /// seats or capacity, and a seats buyer's wants are the workload's (docs/workloads.md).
    static func lowerable(_ s: Scenario) -> [WritableKeyPath<Scenario, Int>] {
        guard let workload = s.workload else { return [\Scenario.tickets, \Scenario.buyers.wants] }
        return workload.kind == .seats ? [] : [\Scenario.buyers.wants]
    }

    /// Drops buyers: the highest half at once while that keeps the violations (a program's
    /// every replay costs its start-up: ten buyers take three replays, not eight), then each
    /// one, highest first. True when any was dropped.
    private mutating func dropBuyers(_ best: inout Candidate, _ judged: inout ScheduleExplorer.Judged, target: Set<Invariant>) -> Bool {
        var dropped = false
        var chunk = best.scenario.buyers.count / 2
        while chunk >= 2, timeLeft {
            var s = best.scenario
            s.buyers.count -= chunk
            var projected = best.choices
            for b in (s.buyers.count..<best.scenario.buyers.count).reversed() { projected = Reduction.project(projected, dropping: b) }
            if Reduction.faultsSurvive(s), let found = attempt(Candidate(scenario: s, choices: projected), target: target) {
                best = Candidate(scenario: s, choices: found.trimmed)
                judged = found
                dropped = true
                chunk = min(chunk, best.scenario.buyers.count / 2)
            } else {
                chunk /= 2
            }
        }
        var b = best.scenario.buyers.count - 1
        while b >= 0, best.scenario.buyers.count > 1, timeLeft {
            var s = best.scenario
            s.buyers.count -= 1
            if !Reduction.faultsSurvive(s) { b -= 1; continue }
            let projected = Reduction.project(best.choices, dropping: b)
            if let found = attempt(Candidate(scenario: s, choices: projected), target: target)
                ?? search(s, target: target, runs: 10) {
                best = Candidate(scenario: s, choices: found.trimmed)
                judged = found
                dropped = true
            }
            b = min(b - 1, best.scenario.buyers.count - 1)
        }
        return dropped
    }

    /// Lowers tickets, then wants, one at a time. `tried` keeps what failed, so a later round
    /// does not pay for the same candidate again.
    private mutating func lowerCounts(_ best: inout Candidate, _ judged: inout ScheduleExplorer.Judged, target: Set<Invariant>,
                                      tried: inout Set<String>) -> Bool {
        var lowered = false
        for lower in Self.lowerable(best.scenario) where timeLeft {
            while timeLeft {
                var s = best.scenario
                let floor = lower == \Scenario.tickets ? 0 : 1
                guard s[keyPath: lower] > floor else { break }
                s[keyPath: lower] -= 1
                let key = "\(lower == \Scenario.tickets ? "tickets" : "wants")=\(s[keyPath: lower]) buyers=\(s.buyers.count)"
                guard !tried.contains(key) else { break }
                guard let found = attempt(Candidate(scenario: s, choices: best.choices), target: target)
                    ?? search(s, target: target, runs: 10) else {
                    tried.insert(key)
                    break
                }
                best = Candidate(scenario: s, choices: found.trimmed)
                judged = found
                lowered = true
            }
        }
        return lowered
    }

    package mutating func shrink(_ failing: ScheduleExplorer.Judged, into summary: inout ScheduleSummary) {
        let target = failing.violated
        var best = Candidate(scenario: original, choices: failing.trimmed)
        var judged = failing
        // Scenario reduction to a fixed point: buyers first (the story's columns), then
        // tickets and wants.
        var tried: Set<String> = []
        var changed = true
        while changed, timeLeft {
            let fewer = dropBuyers(&best, &judged, target: target)
            let lower = lowerCounts(&best, &judged, target: target, tried: &tried)
            changed = fewer || lower
        }
        // Fewest preemptions: every schedule within 0, 1, … preemptions, first failing one wins.
        let have = ScheduleString.preemptions(judged.choices, enabled: judged.enabled)
        var bound = 0
        search: while bound < have, timeLeft {
            var strategy = ExhaustiveStrategy(preemptions: bound, cap: 2_000)
            while timeLeft, strategy.begin() {
                replays += 1
                guard let folder = try? work.trialFolder(scenario: original.name + "~shrink", trial: 0),
                      let found = try? ScheduleExplorer.once(best.scenario, strategy: &strategy, trial: 0, seed: seed, folder: folder) else {
                    strategy.abandon()
                    continue
                }
                if work.isTemporary { removeTree(folder) }
                if found.violated == target {
                    best.choices = found.trimmed
                    judged = found
                    break search
                }
            }
            bound += 1
        }
        cut(&best, &judged, target: target)
        // The story: one more replay, reading the document after every write.
        var strategy = ReplayStrategy(choices: best.choices)
        _ = strategy.begin()
        guard let folder = try? work.trialFolder(scenario: original.name + "~shrink", trial: 0),
              let told = try? ScheduleExplorer.once(best.scenario, strategy: &strategy, trial: 0, seed: seed, folder: folder, recordSteps: true)
        else { return }
        if work.isTemporary { removeTree(folder) }
        let s = best.scenario
        let text = ScheduleString(fingerprint: ProgramFiles.fingerprint(s), choices: told.trimmed).text
        let overrides = Reduction.overrides(from: original, to: s)
        let pre = ScheduleString.preemptions(told.choices, enabled: told.enabled)
        summary.shrunk = "\(plural(s.buyers.count, "buyer")), \(plural(s.tickets, "ticket")), wants \(s.buyers.wants), \(plural(pre, "preemption")), schedule \(text) (from \(plural(original.buyers.count, "buyer")), \(plural(original.tickets, "ticket")); \(replays) replays)"
        summary.story = Story.lines(told, scenario: s)
        summary.shrunkCommand = ScheduleExplorer.command(s, replay: text, overrides: original.schedule.overrides + overrides)
    }
}

/// The pure steps of shrinking.
package enum Reduction {
    /// The choices with buyer `b`'s grants removed and later buyers renumbered down.
    package static func project(_ choices: [Int], dropping b: Int) -> [Int] {
        choices.compactMap { $0 == b ? nil : ($0 > b ? $0 - 1 : $0) }
    }

    /// A fault that names a buyer past the count would change meaning: keep those buyers
    /// (its buyers are 0-based).
    package static func faultsSurvive(_ s: Scenario) -> Bool {
        s.faults.allSatisfy { f in
            if case .buyers(let list) = f.target { return list.allSatisfy { $0 < s.buyers.count } }
            return true
        }
    }

    /// The command-line flags that turn `a` into `b`.
    package static func overrides(from a: Scenario, to b: Scenario) -> [String] {
        var out: [String] = []
        if a.buyers.count != b.buyers.count { out += ["--buyers", "\(b.buyers.count)"] }
        if a.tickets != b.tickets { out += ["--tickets", "\(b.tickets)"] }
        if a.buyers.wants != b.buyers.wants { out += ["--wants", "\(b.buyers.wants)"] }
        return out
    }
}
