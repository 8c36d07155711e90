import XCTest
import TicketRushApp
import TicketRushModel
import TicketRushRunner

/// `--balance`: the cost-balanced shards are a partition of the plan's units, the same on
/// every call (every shard computes it alone), and never costlier at the busiest shard than
/// the every-N-th split; `--shard auto` reads the five engines added with it.
final class ShardBalanceTests: XCTestCase {
    private func scenario(_ name: String, buyers: Int, timeoutSeconds: Int64, trials: Int) -> Scenario {
        var s = Scenario(name: name, tickets: 1, buyers: BuyerGroup(count: buyers))
        s.timeoutNs = timeoutSeconds * 1_000_000_000
        s.trials = trials
        s.seed = 5
        return s
    }

    /// Heavy trials at every third place: the every-N-th split puts them all in shard 1.
    private var skewed: RunPlan {
        let heavy = scenario("heavy", buyers: 100, timeoutSeconds: 60, trials: 1)
        let light = scenario("light", buyers: 2, timeoutSeconds: 1, trials: 2)
        return RunPlan(scenarios: [heavy, light, heavy, light, heavy, light], seed: nil, trials: nil, onlyTrial: nil)
    }

    func testBalancedShardsArePartitionsOfThePlan() {
        let plan = skewed
        for n in 1...8 {
            let shards = plan.balancedShards(n, costs: plan.expectedCosts())
            XCTAssertEqual(shards.count, n)
            let all = shards.flatMap { $0 }
            XCTAssertEqual(all.count, plan.units.count, "n=\(n): a unit twice or missing")
            XCTAssertEqual(Set(all), Set(plan.units), "n=\(n)")
            for shard in shards {
                let order = shard.map { u in plan.units.firstIndex(of: u)! }
                XCTAssertEqual(order, order.sorted(), "n=\(n): a shard's units leave plan order")
            }
        }
    }

    func testBalancedShardsAreDeterministic() {
        let a = skewed, b = skewed
        for n in 1...6 {
            XCTAssertEqual(a.balancedShards(n, costs: a.expectedCosts()), b.balancedShards(n, costs: b.expectedCosts()))
            for k in 1...n {
                XCTAssertEqual(a.balancedShard(k, of: n, costs: a.expectedCosts()), a.balancedShards(n, costs: a.expectedCosts())[k - 1])
            }
        }
        // Equal costs everywhere: ties go by plan order and the lowest shard, still one answer.
        let flat = RunPlan(scenarios: [scenario("s", buyers: 2, timeoutSeconds: 1, trials: 7)], seed: nil, trials: nil, onlyTrial: nil)
        XCTAssertEqual(flat.balancedShards(3, costs: flat.expectedCosts()).map(\.count), [3, 2, 2])
    }

    func testTheBusiestBalancedShardCostsNoMoreThanTheCountedOne() {
        let plan = skewed, costs = plan.expectedCosts()
        func busiest(_ shards: [[RunPlan.Unit]]) -> Double {
            shards.map { $0.reduce(0) { $0 + costs[plan.units.firstIndex(of: $1)!] } }.max()!
        }
        for n in 2...6 {
            XCTAssertLessThanOrEqual(busiest(plan.balancedShards(n, costs: costs)), busiest(plan.countShards(n)), "n=\(n)")
        }
        // The skew bites at N=3: every heavy trial is a multiple of 3 places apart.
        XCTAssertLessThan(busiest(plan.balancedShards(3, costs: costs)), busiest(plan.countShards(3)) / 2)
    }

    func testMeasuredCostsFollowThePreviousRun() {
        let plan = skewed
        // Measured: the "heavy" cell turned out quick and "light" slow; the plan follows.
        let costs = plan.measuredCosts(perTrialNs: ["heavy": 1_000, "light": 50_000])
        let heavy = plan.units.indices.filter { plan.scenarios[plan.units[$0].scenario].name == "heavy" }
        for i in heavy { XCTAssertEqual(costs[i], 1_000) }
        // An unmeasured cell is scaled into the same unit (ns), not left in seconds.
        let partial = plan.measuredCosts(perTrialNs: ["light": 50_000])
        XCTAssertGreaterThan(partial[heavy[0]], 50_000)
    }

    func testShardAutoReadsTheFiveEnginesWithTheirBases() throws {
        let cases: [([String: String], Int?, Int, Int)] = [
            (["CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "3"], nil, 1, 3),
            (["BUILDKITE_PARALLEL_JOB": "2", "BUILDKITE_PARALLEL_JOB_COUNT": "3"], nil, 3, 3),
            (["BITBUCKET_PARALLEL_STEP": "1", "BITBUCKET_PARALLEL_STEP_COUNT": "4"], nil, 2, 4),
            (["SEMAPHORE_JOB_INDEX": "1", "SEMAPHORE_JOB_COUNT": "2"], nil, 1, 2),
            (["AWS_BATCH_JOB_ARRAY_INDEX": "4"], 5, 5, 5),
            (["AWS_BATCH_JOB_ARRAY_INDEX": "0", "TICKETRUSH_SHARDS": "2"], nil, 1, 2),
            (["AWS_BATCH_JOB_ARRAY_INDEX": "1", "AWS_BATCH_JOB_ARRAY_SIZE": "2"], nil, 2, 2),
        ]
        for (env, shards, k, n) in cases {
            let found = try CISupport.autoShard(env, shards: shards).get()
            XCTAssertEqual([found.k, found.n], [k, n], "\(env)")
        }
        XCTAssertThrowsError(try CISupport.autoShard(["CIRCLE_NODE_INDEX": "0"], shards: nil).get())
        XCTAssertThrowsError(try CISupport.autoShard(["SEMAPHORE_JOB_INDEX": "0", "SEMAPHORE_JOB_COUNT": "2"], shards: nil).get())
        XCTAssertThrowsError(try CISupport.autoShard(["AWS_BATCH_JOB_ARRAY_INDEX": "0"], shards: nil).get())
    }
}
