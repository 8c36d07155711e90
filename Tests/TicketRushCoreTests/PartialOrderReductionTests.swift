import XCTest
import TicketRushModel
import TicketRushSchedule

/// The exhaustive search's reductions against the design folder's executable model of the
/// built-in buyer (../shared/design/schedules/model.py, ported below at gate granularity):
/// DPOR's run counts are dpor.py's, which equal the Mazurkiewicz class counts; and neither
/// DPOR nor symmetry loses a verdict the unreduced search finds.
final class PartialOrderReductionTests: XCTestCase {
    struct Config {
        var buyers: Int
        var tickets: Int
        var wants = 1
        var lock = false
        var atomic = false
    }

    enum PC: Equatable { case readSearch, readPurchase, truncate, write, acquire, release, done }
    /// After a purchase read: commit with the new count; after an outcome: what happened.
    enum Aux: Equatable { case none, count(Int), torn, sold, bought }

    struct Local: Equatable {
        var pc: PC
        var task = 0
        var holding = false
        var aux = Aux.none
        /// Where an `acquire` leads.
        var then = PC.readPurchase
    }

    struct State {
        var doc: Int?
        var holder: Int?
        var bought = 0
        var torn = 0
        var buyers: [Local]
    }

    /// model.py's settle for scope: purchase (the shipped seed scenarios' scope).
    static func settle(_ c: Config, from pc: String, _ l: Local) -> Local {
        var l = l
        var pc = pc
        while true {
            switch pc {
            case "S": l.pc = .readSearch; return l
            case "P":
                if c.lock { l.pc = .acquire; l.then = .readPurchase } else { l.pc = .readPurchase }
                return l
            case "C": l.pc = c.atomic ? .write : .truncate; return l
            case "F":
                if l.holding { l.pc = .release; return l }
                pc = "F2"
            default:
                l.task += 1
                if l.aux == .sold || l.task == c.wants { return Local(pc: .done, task: l.task) }
                l.aux = .none
                pc = "S"
            }
        }
    }

    static func initial(_ c: Config) -> State {
        State(doc: c.tickets, buyers: (0..<c.buyers).map { _ in settle(c, from: "S", Local(pc: .readSearch)) })
    }

    static func op(_ c: Config, _ l: Local) -> GateOp? {
        switch l.pc {
        case .readSearch, .readPurchase: return .read
        case .truncate: return .truncate
        case .write: return c.atomic ? .publish : .write
        case .acquire: return .acquire
        case .release: return .release
        case .done: return nil
        }
    }

    static func step(_ c: Config, _ g: inout State, _ b: Int) {
        var l = g.buyers[b]
        switch l.pc {
        case .readSearch:
            if g.doc == nil { g.torn += 1; l.aux = .torn; l = settle(c, from: "F", l) } else { l = settle(c, from: "P", l) }
        case .readPurchase:
            if let doc = g.doc {
                if doc > 0 { l.aux = .count(doc - 1); l = settle(c, from: "C", l) } else { l.aux = .sold; l = settle(c, from: "F", l) }
            } else { g.torn += 1; l.aux = .torn; l = settle(c, from: "F", l) }
        case .truncate: g.doc = nil; l.pc = .write
        case .write:
            if case .count(let n) = l.aux { g.doc = n }
            g.bought += 1
            l.aux = .bought
            l = settle(c, from: "F", l)
        case .acquire: g.holder = b; l.holding = true; l.pc = l.then
        case .release: g.holder = nil; l.holding = false; l = settle(c, from: "F2", l)
        case .done: XCTFail("a finished buyer was granted")
        }
        g.buyers[b] = l
    }

    static func verdict(_ c: Config, _ g: State) -> Set<String> {
        if g.buyers.contains(where: { $0.pc != .done }) { return ["deadlock"] }
        var v: Set<String> = []
        if g.bought > c.tickets { v.insert("oversell") }
        if g.doc == nil || c.tickets - g.doc! != g.bought { v.insert("lost-update") }
        if g.torn > 0 { v.insert("torn") }
        return v
    }

    struct Outcome {
        var runs = 0
        var abandoned = 0
        /// Verdict (sorted names, "ok" when none) → complete runs with it.
        var verdicts: [String: Int] = [:]
    }

    /// Runs `strategy` to exhaustion over the model; the final point of a run with buyers
    /// still parked is shown to the strategy, as GrantDecision does.
    static func explore(_ c: Config, _ strategy: inout some Scheduler) throws -> Outcome {
        var out = Outcome()
        while strategy.begin() {
            var g = initial(c)
            var grants = 0
            var last: Int?
            var abandoned = false
            while true {
                let ops = g.buyers.map { op(c, $0) }
                let enabled = ops.indices.filter { ops[$0] != nil && (ops[$0] != .acquire || g.holder == nil) }
                if enabled.isEmpty {
                    if ops.contains(where: { $0 != nil }) { _ = try strategy.choose(SchedulePoint(index: grants, enabled: [], ops: ops, last: last)) }
                    break
                }
                guard let b = try strategy.choose(SchedulePoint(index: grants, enabled: enabled, ops: ops, last: last)) else {
                    abandoned = true
                    break
                }
                XCTAssertTrue(enabled.contains(b))
                step(c, &g, b)
                grants += 1
                last = b
            }
            if abandoned { strategy.abandon(); out.abandoned += 1; continue }
            try strategy.end(grants: grants)
            out.runs += 1
            let v = verdict(c, g)
            out.verdicts[v.isEmpty ? "ok" : v.sorted().joined(separator: "+"), default: 0] += 1
        }
        return out
    }

    static let seedRace3 = Config(buyers: 3, tickets: 1)

    func testDPORRunsOneScheduleForEveryClassAsDporPyCounts() throws {
        // Expected: `cd ../shared/design/schedules && python3 dpor.py` ("DPOR+sleep complete",
        // "sleep-blocked"); model.classes() gives the same complete counts for n = 2, 3.
        let cases: [(String, Config, Int, Int)] = [
            ("seed-race n=2", Config(buyers: 2, tickets: 1), 14, 0),
            ("seed-race n=3", Config(buyers: 3, tickets: 1), 306, 0),
            ("seed-race n=4", Config(buyers: 4, tickets: 1), 11680, 0),
            ("lost-update n=2", Config(buyers: 2, tickets: 2, atomic: true), 6, 0),
            ("lost-update n=3", Config(buyers: 3, tickets: 3, atomic: true), 108, 0),
            ("seed-mutex n=2", Config(buyers: 2, tickets: 1, lock: true), 6, 1),
            ("seed-mutex n=3", Config(buyers: 3, tickets: 1, lock: true), 39, 13),
            ("seed-mutex n=4", Config(buyers: 4, tickets: 1, lock: true), 316, 134),
            ("torn-read n=3", Config(buyers: 3, tickets: 3, lock: true), 63, 16),
            ("lost-update-locked n=3", Config(buyers: 3, tickets: 3, lock: true, atomic: true), 36, 13),
            ("lost-update w2 n=2", Config(buyers: 2, tickets: 4, wants: 2, atomic: true), 102, 0),
        ]
        for (name, c, runs, blocked) in cases {
            var dpor = ExhaustiveStrategy(preemptions: nil, cap: 1_000_000)
            let out = try Self.explore(c, &dpor)
            XCTAssertEqual(out.runs, runs, name)
            XCTAssertEqual(out.abandoned, blocked, name)
            XCTAssertTrue(dpor.complete, name)
        }
        // And the classes by verdict (dpor.py: {ok: 12, torn: 36, lost-update+oversell: 180, all three: 78}).
        var three = ExhaustiveStrategy(preemptions: nil, cap: 1_000_000)
        XCTAssertEqual(try Self.explore(Self.seedRace3, &three).verdicts,
                       ["ok": 12, "torn": 36, "lost-update+oversell": 180, "lost-update+oversell+torn": 78])
    }

    /// Every verdict of the unreduced search (every interleaving: a preemption bound no
    /// schedule reaches) is found by DPOR, by DPOR with symmetry and by the bounded search
    /// with symmetry; and symmetry runs fewer schedules.
    func testReductionsFindEveryVerdictTheFullSearchFinds() throws {
        let cases: [Config] = [
            Config(buyers: 2, tickets: 1), Config(buyers: 3, tickets: 1), Config(buyers: 3, tickets: 3, atomic: true),
            Config(buyers: 3, tickets: 1, lock: true), Config(buyers: 3, tickets: 3, lock: true),
            Config(buyers: 3, tickets: 3, lock: true, atomic: true), Config(buyers: 2, tickets: 4, wants: 2, atomic: true),
            Config(buyers: 2, tickets: 3, wants: 2), Config(buyers: 2, tickets: 3, wants: 2, lock: true),
        ]
        for c in cases {
            let name = "\(c)"
            let same = [Int](repeating: 0, count: c.buyers)
            var full = ExhaustiveStrategy(preemptions: 1_000, cap: 10_000_000)
            let all = try Self.explore(c, &full)
            var dpor = ExhaustiveStrategy(preemptions: nil, cap: 10_000_000)
            var sym = ExhaustiveStrategy(preemptions: nil, cap: 10_000_000, symmetry: same)
            var boundedSym = ExhaustiveStrategy(preemptions: 1_000, cap: 10_000_000, symmetry: same)
            let reduced = try Self.explore(c, &dpor)
            let symmetric = try Self.explore(c, &sym)
            let bounded = try Self.explore(c, &boundedSym)
            XCTAssertEqual(Set(reduced.verdicts.keys), Set(all.verdicts.keys), "DPOR: " + name)
            XCTAssertEqual(Set(symmetric.verdicts.keys), Set(all.verdicts.keys), "DPOR + symmetry: " + name)
            XCTAssertEqual(Set(bounded.verdicts.keys), Set(all.verdicts.keys), "symmetry alone: " + name)
            XCTAssertLessThan(symmetric.runs, reduced.runs, name)
            XCTAssertLessThan(bounded.runs, all.runs, name)
            // Renaming identical buyers: the full space is n! times the canonical one (no two starts coincide).
            XCTAssertEqual(bounded.runs * (1...c.buyers).reduce(1, *), all.runs, name)
            print("\(name): full \(all.runs), DPOR \(reduced.runs) (+\(reduced.abandoned) cut), DPOR+symmetry \(symmetric.runs) (+\(symmetric.abandoned) cut), symmetry alone \(bounded.runs)")
        }
    }

    func testSymmetryWithinAPreemptionBoundKeepsEveryVerdictOfTheBound() throws {
        for bound in 0...3 {
            for c in [Self.seedRace3, Config(buyers: 3, tickets: 1, lock: true)] {
                var plain = ExhaustiveStrategy(preemptions: bound, cap: 1_000_000)
                var sym = ExhaustiveStrategy(preemptions: bound, cap: 1_000_000, symmetry: [0, 0, 0])
                let a = try Self.explore(c, &plain)
                let b = try Self.explore(c, &sym)
                XCTAssertEqual(Set(a.verdicts.keys), Set(b.verdicts.keys), "≤ \(bound) preemptions, \(c)")
                XCTAssertEqual(b.runs * 6, a.runs, "≤ \(bound) preemptions, \(c)")
            }
        }
    }

    func testBuyersOfDifferentClassesAreNotMerged() throws {
        var apart = ExhaustiveStrategy(preemptions: nil, cap: 1_000_000, symmetry: [0, 1, 2])
        XCTAssertEqual(try Self.explore(Self.seedRace3, &apart).runs, 306)
        XCTAssertEqual(apart.identicalBuyers, 1)
        var two = ExhaustiveStrategy(preemptions: 1_000, cap: 1_000_000, symmetry: [0, 1, 0])
        var all = ExhaustiveStrategy(preemptions: 1_000, cap: 1_000_000)
        XCTAssertEqual(try Self.explore(Self.seedRace3, &two).runs * 2, try Self.explore(Self.seedRace3, &all).runs)
    }

    /// The counts ScheduleCLITests expects of real processes for its 2-buyer cells (built-in
    /// buyers are identical, so the runner reduces by symmetry too).
    static let symmetricTwoBuyerRuns: [String: (Config, Int)] = [
        "race2": (Config(buyers: 2, tickets: 1), 12),
        "mutex2": (Config(buyers: 2, tickets: 1, lock: true), 4),
        "lost2": (Config(buyers: 2, tickets: 2, atomic: true), 5),
    ]

    func testTheSymmetricCountsTheCLITestExpects() throws {
        for (name, (c, runs)) in Self.symmetricTwoBuyerRuns {
            var sym = ExhaustiveStrategy(preemptions: nil, cap: 1_000_000, symmetry: [0, 0])
            let out = try Self.explore(c, &sym)
            print("\(name): \(out.runs) (+\(out.abandoned))")
            XCTAssertEqual(out.runs, runs, name)
        }
    }
}
