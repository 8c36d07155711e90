#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChecks
import TicketRushReports

/// What `merge` checks before it combines anything (exit 2): shard numbers a hostile or
/// damaged trials.json could carry (a negative or huge N traps or allocates), and a
/// reports folder that is one of the shards it reads (it would overwrite that shard).
package enum MergeInputs {
    /// More shards than this is not a CI matrix.
    package static let maxShards = 10_000

    package static func problem(_ parts: [RunResults], folders: [String]) -> String? {
        for (part, folder) in zip(parts, folders) {
            guard let shard = part.shard else { continue }
            guard shard.n >= 1, shard.n <= maxShards, shard.k >= 1, shard.k <= shard.n else {
                return "\(folder)/trials.json: shard \(shard.k)/\(shard.n) is not K/N with 1 <= K <= N <= \(maxShards)"
            }
        }
        return nil
    }

    /// The shard folder `reports` is, if it is one of `folders` (same device and inode).
    package static func overlap(reports: String, folders: [String]) -> String? {
        var r = stat()
        guard stat(reports, &r) == 0 else { return nil }
        for folder in folders {
            var f = stat()
            if stat(folder, &f) == 0, f.st_dev == r.st_dev, f.st_ino == r.st_ino { return folder }
        }
        return nil
    }
}

extension MergeInputs {
    /// Each trial against its cell's plan: the seed the plan derives for it, a verdict for
    /// every invariant the scenario judges and no other, counts that are not negative, and
    /// no more purchases than built-in buyers can make. A shard whose trials no longer fit
    /// its plan (edited, damaged) is refused, never merged into a verdict: emptied `results`
    /// would otherwise read as "0 in 0 trials", met.
    package static func planProblem(_ parts: [RunResults], folders: [String]) -> String? {
        for (part, folder) in zip(parts, folders) {
            let cells = Dictionary(part.cellRecords.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for t in part.trials {
                // A trial of no planned cell is named by the merge's own coverage check.
                guard let cell = cells[t.scenario], let why = problem(t, of: cell) else { continue }
                return "\(folder)/trials.json: trial \(t.trial + 1) of \(t.scenario) does not fit its plan: \(why)"
            }
        }
        return nil
    }

    static func problem(_ t: TrialRecord, of cell: CellRecord) -> String? {
        let s = cell.scenario
        // A controlled cell runs every schedule with the seed of its first trial (faults by probability hit alike).
        let seed = Seed.trial(cell.seed, cell: s.cell, index: s.schedule.isControlled ? 0 : t.trial)
        if t.seed != seed { return "seed \(t.seed), where the plan gives \(seed)" }
        let judged = t.results.map(\.invariant)
        if judged.count != s.invariants.count || Set(judged) != Set(s.invariants) {
            return "it judges [\(judged.map(\.rawValue).joined(separator: ", "))], the scenario [\(s.invariants.map(\.rawValue).joined(separator: ", "))]"
        }
        for (name, n) in [("sold", t.sold), ("tornReads", t.tornReads), ("lockAcquisitions", t.lockAcquisitions), ("retries", t.retries ?? 0)] where n < 0 {
            return "\(name) is \(n)"
        }
        // A built-in buyer stops at `wants`; a program's extra purchases are what no-oversell judges.
        if s.program == nil, t.sold > s.demand {
            return "sold \(t.sold), more than \(s.buyers.count) buyers wanting \(s.buyers.wants) each can buy"
        }
        return nil
    }
}
