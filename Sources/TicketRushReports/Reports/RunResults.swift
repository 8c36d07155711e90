import Foundation
import TicketRushModel
import TicketRushChecks

/// Everything a run (or one shard of it) found: the planned scenarios and every trial's
/// record. Every output is rendered from this, and `merge` combines these, so a merged
/// set of shards renders exactly what one unsharded run would.
public struct RunResults: Codable, Sendable {
    public private(set) var format = 1
    /// [k, n] for `--shard k/n`; nil for a whole run or a merge.
    public private(set) var shard: [Int]?
    /// Wall-clock start, seconds since 1970.
    public private(set) var startedAt: Double
    public private(set) var scenarios: [ScenarioRecord]
    public private(set) var trials: [TrialRecord]
    /// Every scenario that ran at least one trial, in plan order: aggregated once, since
    /// every report and the summary read it.
    public private(set) var cells: [Cell] = []

    private enum CodingKeys: String, CodingKey {
        case format, shard, startedAt, scenarios, trials
    }

    public init(shard: [Int]?, startedAt: Double, scenarios: [ScenarioRecord], trials: [TrialRecord]) {
        self.shard = shard
        self.startedAt = startedAt
        self.scenarios = scenarios
        self.trials = trials
        canonicalise()
        cells = aggregate()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        shard = try c.decodeIfPresent([Int].self, forKey: .shard)
        startedAt = try c.decode(Double.self, forKey: .startedAt)
        scenarios = try c.decode([ScenarioRecord].self, forKey: .scenarios)
        trials = try c.decode([TrialRecord].self, forKey: .trials)
        cells = aggregate()
    }

    /// Trials in plan order (scenario, then trial), and only each scenario's first failing
    /// trial keeps its timeline: the same however the trials were split.
    private mutating func canonicalise() {
        let order = Dictionary(scenarios.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        trials.sort { (order[$0.scenario] ?? Int.max, $0.trial) < (order[$1.scenario] ?? Int.max, $1.trial) }
        var shown = Set<String>()
        for i in trials.indices {
            if trials[i].failed && !shown.contains(trials[i].scenario) && trials[i].timeline != nil {
                shown.insert(trials[i].scenario)
            } else {
                trials[i].timeline = nil
            }
        }
    }

    /// One cell of the results: its scenario, report and statistics.
    public struct Cell: Sendable {
        public var record: ScenarioRecord
        public var report: ScenarioReport
        public var trials: [TrialRecord]
        public var stopReason: StopRule.Reason?
        public var latency: Percentiles?
        /// Purchases per second of trial time (sum of purchases / sum of durations).
        public var throughput: Double
        public var lockWaitNs: UInt64
        public var lockHoldNs: UInt64
        public var lockAcquisitions: Int
        /// The first trial with a violated or unknown invariant, with its timeline.
        public var firstFailing: TrialRecord?
    }

    private func aggregate() -> [Cell] {
        var byName: [String: [TrialRecord]] = [:]
        for t in trials { byName[t.scenario, default: []].append(t) }
        return scenarios.compactMap { record in
            guard let mine = byName[record.name], let scenario = record.scenario else { return nil }
            var invariants = scenario.invariants.map { InvariantReport(invariant: $0, expectation: scenario.expectation(for: $0)) }
            for t in mine {
                let results = t.checkResults
                for i in invariants.indices {
                    if let r = results.first(where: { $0.invariant == invariants[i].invariant }) { invariants[i].add(r, trial: t.trial, seed: t.seed) }
                }
            }
            let duration = mine.reduce(UInt64(0)) { $0 + $1.durationNs }
            let report = ScenarioReport(scenario: scenario, seed: record.seed, trials: mine, invariants: invariants,
                                        durationNs: duration, startedAt: startedAt)
            var reason: StopRule.Reason?
            if let rule = scenario.stopRule {
                var tally = StopRule.Tally(scenario)
                for t in mine {
                    tally.add(t)
                    if let r = tally.stop(rule) { reason = r; break }
                }
                if reason == nil && mine.count >= record.trials { reason = .max }
            }
            let sold = mine.reduce(0) { $0 + $1.sold }
            return Cell(
                record: record, report: report, trials: mine, stopReason: reason,
                latency: Percentiles(mine.flatMap(\.latenciesNs)),
                throughput: duration == 0 ? 0 : Double(sold) / (Double(duration) / 1e9),
                lockWaitNs: mine.reduce(0) { $0 + $1.lockWaitNs }, lockHoldNs: mine.reduce(0) { $0 + $1.lockHoldNs },
                lockAcquisitions: mine.reduce(0) { $0 + $1.lockAcquisitions },
                firstFailing: mine.first { $0.timeline != nil })
        }
    }

    /// Why shards cannot be merged.
    public struct MergeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Combines shards of one run: they must plan the same scenarios and seeds, be k/n for
    /// one n, each k once, and cover no trial twice.
    public static func merge(_ parts: [RunResults]) throws(MergeError) -> RunResults {
        guard let first = parts.first else { throw MergeError(description: "nothing to merge") }
        for p in parts where p.scenarios != first.scenarios {
            throw MergeError(description: "the shards come from different runs (scenarios, seeds or trial counts differ)")
        }
        let shards = parts.compactMap(\.shard)
        if !shards.isEmpty {
            guard shards.count == parts.count, let n = shards.first?[1], shards.allSatisfy({ $0[1] == n }) else {
                throw MergeError(description: "mixing shards of different sizes, or shards with a whole run")
            }
            let ks = shards.map { $0[0] }.sorted()
            if ks != Array(1...n) {
                let missing = Set(1...n).subtracting(ks).sorted().map { "\($0)/\(n)" }
                let doubled = Dictionary(grouping: ks, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted().map { "\($0)/\(n)" }
                let problems = (missing.isEmpty ? [] : ["missing \(missing.joined(separator: ", "))"])
                    + (doubled.isEmpty ? [] : ["twice \(doubled.joined(separator: ", "))"])
                throw MergeError(description: "incomplete shard set: " + problems.joined(separator: "; "))
            }
        }
        var seen = Set<String>()
        for t in parts.flatMap(\.trials) where !seen.insert("\(t.scenario)#\(t.trial)").inserted {
            throw MergeError(description: "trial \(t.trial + 1) of \(t.scenario) appears in two inputs")
        }
        return RunResults(shard: nil, startedAt: parts.map(\.startedAt).min()!, scenarios: first.scenarios, trials: parts.flatMap(\.trials))
    }

    /// The machine file shards hand to `merge` (trials.json).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    public static func read(_ data: Data) throws -> RunResults {
        try JSONDecoder().decode(RunResults.self, from: data)
    }
}
