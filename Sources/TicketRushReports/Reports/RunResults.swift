#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushChecks

/// Everything a run (or one shard of it) found: the planned cells and every trial's
/// record. Every output is rendered from this, and `merge` combines these, so a merged
/// set of shards renders exactly what one unsharded run would. Stored as `RunRecord`.
package struct RunResults: Sendable {
    /// The trials.json format this build writes and reads (`RunRecord`).
    package static var format: Int { RunRecord.currentFormat }

    /// `--shard K/N`.
    package struct Shard: Codable, Sendable, Equatable, Hashable {
        package var k: Int
        package var n: Int

        package init(k: Int, n: Int) {
            self.k = k
            self.n = n
        }
    }

    /// nil for a whole run or a merge.
    package private(set) var shard: Shard?
    /// Wall-clock start, seconds since 1970.
    package private(set) var startedAt: Double
    /// nil when the run did every unit it planned; otherwise why it stopped early
    /// (interrupted, a runner failure). Such a run is never reported as passed.
    package private(set) var incomplete: String?
    package private(set) var cellRecords: [CellRecord]
    package private(set) var trials: [TrialRecord]
    /// Every cell that ran at least one trial, in plan order: aggregated once, since
    /// every report and the summary read it.
    package private(set) var cells: [Cell] = []

    package init(shard: Shard?, startedAt: Double, cells: [CellRecord], trials: [TrialRecord], incomplete: String? = nil) {
        self.shard = shard
        self.startedAt = startedAt
        self.cellRecords = cells
        self.trials = trials
        self.incomplete = incomplete
        canonicalise()
        self.cells = aggregate()
    }

    /// True when the run completed and met every expectation: the only green.
    package var passed: Bool { incomplete == nil && cells.allSatisfy(\.report.passed) }

    /// Trials in plan order (scenario, then trial), and only each scenario's first failing
    /// trial keeps its timeline: the same however the trials were split.
    private mutating func canonicalise() {
        let order = Dictionary(cellRecords.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
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
    package struct Cell: Sendable {
        package var record: CellRecord
        package var report: ScenarioReport
        package var trials: [TrialRecord]
        package var stopReason: StopRule.Reason?
        package var latency: Percentiles?
        /// Purchases per second of trial time (sum of purchases / sum of durations).
        package var throughput: Double
        package var lockWaitNs: UInt64
        package var lockHoldNs: UInt64
        package var lockAcquisitions: Int
        /// Waits for the lock that never acquired (cut off by the timeout or a death): each
        /// counted with its length so far, a lower bound.
        package var censoredWaitsNs: [UInt64] = []
        /// Per-wait percentiles over acquired and censored waits (nil without a wait).
        package var lockWait: Percentiles? = nil
        /// The first trial with a violated or unknown invariant, with its timeline.
        package var firstFailing: TrialRecord?
    }

    /// A shard that is not the whole run (K/N with N > 1) cannot judge what needs every
    /// trial; `--shard 1/1` saw them all, and judges as `merge` of it will.
    var isPartial: Bool { (shard?.n ?? 1) > 1 }

    private func aggregate() -> [Cell] {
        var byName: [String: [TrialRecord]] = [:]
        for t in trials { byName[t.scenario, default: []].append(t) }
        return cellRecords.compactMap { record in
            guard let mine = byName[record.name] ?? (record.skipped != nil ? [] : nil) else { return nil }
            let scenario = record.scenario
            var invariants = scenario.invariants.map { InvariantReport(invariant: $0, expectation: scenario.expectation(for: $0)) }
            for i in invariants.indices { invariants[i].skipReason = record.skipped }
            for i in invariants.indices { invariants[i].partial = isPartial }
            for t in mine {
                for i in invariants.indices {
                    if let r = t.result(invariants[i].invariant) { invariants[i].add(r, trial: t.trial, seed: t.seed) }
                }
            }
            if let x = mine.last(where: { $0.exploration != nil })?.exploration, let stop = x.stoppedBy {
                let stopped = StoppedSearch(stop: stop, explored: x.runs, by: stop.text(scenario.schedule))
                for i in invariants.indices { invariants[i].stoppedSearch = stopped }
            }
            let duration = mine.reduce(UInt64(0)) { $0 + $1.durationNs }
            var report = ScenarioReport(scenario: scenario, seed: record.seed, trials: mine, invariants: invariants,
                                        durationNs: duration, startedAt: startedAt)
            let sold = mine.reduce(0) { $0 + $1.sold }
            let latency = Percentiles(mine.flatMap(\.latenciesNs))
            let throughput = duration == 0 ? 0 : Double(sold) / (Double(duration) / 1e9)
            report.thresholds = ThresholdReport.judge(scenario, latency: latency, throughput: throughput, sold: sold, trials: mine,
                                                      partial: isPartial)
            for i in report.thresholds.indices { report.thresholds[i].skipped = record.skipped != nil }
            var reason: StopRule.Reason?
            if let rule = scenario.stopRule {
                var tally = StopRule.Tally(scenario)
                for t in mine {
                    tally.add(t)
                    if let r = tally.stop(rule) { reason = r; break }
                }
                if reason == nil && mine.count >= record.trials { reason = .max }
            }
            let censored = mine.flatMap { $0.censoredWaitsNs ?? [] }
            return Cell(
                record: record, report: report, trials: mine, stopReason: reason,
                latency: latency, throughput: throughput,
                lockWaitNs: mine.reduce(0) { $0 + $1.lockWaitNs }, lockHoldNs: mine.reduce(0) { $0 + $1.lockHoldNs },
                lockAcquisitions: mine.reduce(0) { $0 + $1.lockAcquisitions },
                censoredWaitsNs: censored,
                lockWait: Percentiles(mine.flatMap { $0.lockWaitsNs ?? [] } + censored),
                firstFailing: mine.first { $0.timeline != nil })
        }
    }

    /// Why shards cannot be merged.
    package struct MergeError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Combines shards of one run. They must plan the same cells and seeds, be k/n for one
    /// n with each k once, be complete, and together hold every planned trial exactly
    /// once: a shard set with a gap is refused, never judged on what is left.
    package static func merge(_ parts: [RunResults]) throws(MergeError) -> RunResults {
        guard let first = parts.first else { throw MergeError(description: "nothing to merge") }
        for p in parts where p.cellRecords != first.cellRecords {
            throw MergeError(description: "the shards come from different runs (scenarios, seeds or trial counts differ)")
        }
        if let cut = parts.first(where: { $0.incomplete != nil }) {
            let which = cut.shard.map { "shard \($0.k)/\($0.n)" } ?? "an input"
            throw MergeError(description: "\(which) did not complete (\(cut.incomplete!)): rerun it, then merge")
        }
        let shards = parts.compactMap(\.shard)
        if !shards.isEmpty {
            guard shards.count == parts.count, let n = shards.first?.n, shards.allSatisfy({ $0.n == n }) else {
                throw MergeError(description: "mixing shards of different sizes, or shards with a whole run")
            }
            let ks = shards.map(\.k).sorted()
            if ks != Array(1...n) {
                let missing = Set(1...n).subtracting(ks).sorted().map { "\($0)/\(n)" }
                let doubled = Dictionary(grouping: ks, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted().map { "\($0)/\(n)" }
                let problems = (missing.isEmpty ? [] : ["missing \(missing.joined(separator: ", "))"])
                    + (doubled.isEmpty ? [] : ["twice \(doubled.joined(separator: ", "))"])
                throw MergeError(description: "incomplete shard set: " + problems.joined(separator: "; "))
            }
        }
        let all = parts.flatMap(\.trials)
        try checkCoverage(all, cells: first.cellRecords)
        return RunResults(shard: nil, startedAt: parts.map(\.startedAt).min()!, cells: first.cellRecords, trials: all)
    }

    /// Every planned trial exactly once and in range; a cell under a stopping rule holds
    /// trials 1…k with no gap, and stopped for a reason (or ran to its maximum).
    static func checkCoverage(_ trials: [TrialRecord], cells: [CellRecord]) throws(MergeError) {
        var byCell: [String: [Int]] = [:]
        let planned = Dictionary(cells.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for t in trials {
            guard let cell = planned[t.scenario] else {
                throw MergeError(description: "trial \(t.trial + 1) names '\(t.scenario)', which no shard planned")
            }
            guard t.trial >= 0, t.trial < cell.trials else {
                throw MergeError(description: "trial \(t.trial + 1) of \(t.scenario) is outside the \(plural(cell.trials, "trial")) planned")
            }
            byCell[t.scenario, default: []].append(t.trial)
        }
        for cell in cells {
            let seen = (byCell[cell.name] ?? []).sorted()
            var doubled: [Int] = []
            for (a, b) in zip(seen, seen.dropFirst()) where a == b { doubled.append(a) }
            if let d = doubled.first { throw MergeError(description: "trial \(d + 1) of \(cell.name) appears in two inputs") }
            // A controlled cell runs as many schedules as its strategy finds (exhaustive: up to a cap).
            let expected = cell.scenario.stopRule == nil && !cell.scenario.schedule.isControlled ? cell.trials : max(seen.count, 1)
            let missing = Set(0..<expected).subtracting(seen).sorted()
            if !missing.isEmpty {
                let list = missing.prefix(10).map { String($0 + 1) }.joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
                throw MergeError(description: "\(cell.name) is missing \(plural(missing.count, "trial")) of \(expected): \(list)")
            }
        }
    }

    /// The machine file shards hand to `merge` (trials.json), written from `RunRecord`.
    package func json() throws -> Data { try RunRecord(self).encoded() }

    /// Reads trials.json (`RunRecord.read`).
    package static func read(_ data: Data) throws(ReadError) -> RunResults { try RunRecord.read(data).results }

    /// Why trials.json could not be read.
    package struct ReadError: Error, CustomStringConvertible {
        package var description: String
    }

    /// "at cells[0].scenario.lock.mode: …", from a decoding error.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop(while: { $0 == "." }).description
        }
        switch error {
        case .dataCorrupted(let c): return "at \(path(c.codingPath)): \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "at \(path(c.codingPath + [key])): missing"
        case .typeMismatch(let type, let c): return "at \(path(c.codingPath)): expected \(type)"
        case .valueNotFound(let type, let c): return "at \(path(c.codingPath)): expected \(type), got null"
        @unknown default: return "\(error)"
        }
    }
}
