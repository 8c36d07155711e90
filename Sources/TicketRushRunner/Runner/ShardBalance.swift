/// `--balance`: shards planned by cost instead of by count. Every shard computes the same
/// partition from the same plan and costs (no randomness, ties broken by plan order), so
/// K/N of N machines together still run each unit exactly once, with the whole run's seeds.
extension RunPlan {
    /// Expected cost of each unit: trials × buyers × timeout (seconds). A bound, not a
    /// measurement, but it ranks a 100-buyer minute above a 2-buyer second.
    package func expectedCosts() -> [Double] {
        units.map { unit in
            let s = scenarios[unit.scenario]
            return Double(trialsIn(unit)) * Double(max(s.buyers.count, 1)) * Double(max(s.timeoutNs, 1)) / 1e9
        }
    }

    /// Measured cost of each unit from a previous run: `perTrialNs[cell name]` (its mean
    /// trial duration) × the unit's trials. A cell the previous run did not measure gets its
    /// expected cost scaled by measured/expected over the cells it did, so both are in ns.
    package func measuredCosts(perTrialNs: [String: Double]) -> [Double] {
        let expected = expectedCosts()
        var measuredSum = 0.0, expectedSum = 0.0
        for (i, unit) in units.enumerated() {
            guard let ns = perTrialNs[scenarios[unit.scenario].name] else { continue }
            measuredSum += ns * Double(trialsIn(unit))
            expectedSum += expected[i]
        }
        let scale = expectedSum > 0 && measuredSum > 0 ? measuredSum / expectedSum : 1
        return units.enumerated().map { i, unit in
            perTrialNs[scenarios[unit.scenario].name].map { $0 * Double(trialsIn(unit)) } ?? expected[i] * scale
        }
    }

    /// The units of every shard 1…n by greedy longest-processing-time: the costliest unit
    /// first (ties: earlier in the plan), each to the least loaded shard (ties: the lowest
    /// K). Each shard's units stay in plan order.
    package func balancedShards(_ n: Int, costs: [Double]) -> [[Unit]] {
        precondition(costs.count == units.count && n >= 1)
        let order = units.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        var load = [Double](repeating: 0, count: n)
        var members = [[Int]](repeating: [], count: n)
        for i in order {
            var best = 0
            for k in 1..<n where load[k] < load[best] { best = k }
            load[best] += costs[i]
            members[best].append(i)
        }
        return members.map { $0.sorted().map { units[$0] } }
    }

    /// Shard `k` of `n` (1-based) of `balancedShards`.
    package func balancedShard(_ k: Int, of n: Int, costs: [Double]) -> [Unit] {
        balancedShards(n, costs: costs)[k - 1]
    }

    /// The count-based shards (`shard(_:of:)`) of every K, for comparison and fan-out plans.
    package func countShards(_ n: Int) -> [[Unit]] {
        (1...n).map { shard($0, of: n) }
    }

    /// Trials a unit runs at most.
    func trialsIn(_ unit: Unit) -> Int { unit.trial == nil ? trialCounts[unit.scenario] : 1 }
}
