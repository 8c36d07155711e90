#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushRunner
import TicketRushReports

/// Which units a shard runs: every N-th (the default), or with `--balance` the cost-balanced
/// partition (`RunPlan.balancedShards`), costed by `--balance-from DIR`'s measured trial
/// durations when given. `fanout` plans with the same routine, so it shows what each shard runs.
package enum ShardUnits {
    /// The units of shard K/N, or every unit without a shard.
    static func units(_ plan: RunPlan, shard: Shard?, balance: Bool, from: String?) throws(Stop) -> [RunPlan.Unit] {
        guard let shard else { return plan.units }
        guard balance || from != nil else { return plan.shard(shard.k, of: shard.n) }
        return plan.balancedShard(shard.k, of: shard.n, costs: try costs(plan, from: from))
    }

    /// Expected costs, or measured ones from DIR/trials.json.
    static func costs(_ plan: RunPlan, from folder: String?) throws(Stop) -> [Double] {
        guard let folder else { return plan.expectedCosts() }
        return plan.measuredCosts(perTrialNs: try perTrialNs(folder))
    }

    /// Mean trial duration (ns) of each cell of the run whose reports are in `folder`.
    static func perTrialNs(_ folder: String) throws(Stop) -> [String: Double] {
        let path = "\(folder)/trials.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Stop(Outcome(code: 2, lines: [.init(stream: .err, text: "\(path):1:1: error: --balance-from: no such file (the reports folder of an earlier run or fan-out)")]))
        }
        let previous: RunResults
        do {
            previous = try RunResults.read(data)
        } catch {
            throw Stop(Outcome(code: 2, lines: [.init(stream: .err, text: "\(path):1:1: error: --balance-from: cannot read: \(error)")]))
        }
        var sums: [String: (ns: Double, n: Int)] = [:]
        for t in previous.trials {
            let old = sums[t.scenario] ?? (0, 0)
            sums[t.scenario] = (old.ns + Double(t.durationNs), old.n + 1)
        }
        return sums.mapValues { $0.ns / Double($0.n) }
    }
}
