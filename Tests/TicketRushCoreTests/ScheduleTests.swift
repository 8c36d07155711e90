import XCTest
import TicketRushModel
import TicketRushSchedule
import TicketRushRunner

/// Strategies, the schedule string, the lock model and the shrinker's reductions, as pure
/// values: a toy program of buyers with fixed steps stands in for the processes.
final class ScheduleTests: XCTestCase {
    /// Runs `strategy` to exhaustion over buyers that each take `steps[b]` in order, always
    /// enabled; returns every complete schedule.
    private func explore<S: Scheduler>(_ strategy: inout S, steps: [[GateOp]]) throws -> [[Int]] {
        var out: [[Int]] = []
        while strategy.begin() {
            if let choices = try once(&strategy, steps: steps) { out.append(choices) }
        }
        return out
    }

    /// One schedule of the toy program, after `begin`; nil when abandoned.
    private func once<S: Scheduler>(_ strategy: inout S, steps: [[GateOp]]) throws -> [Int]? {
        do {
            var pc = [Int](repeating: 0, count: steps.count)
            var choices: [Int] = []
            var last: Int?
            var abandoned = false
            while true {
                let ops = steps.indices.map { pc[$0] < steps[$0].count ? steps[$0][pc[$0]] : nil }
                let enabled = ops.indices.filter { ops[$0] != nil }
                if enabled.isEmpty { break }
                guard let b = try strategy.choose(SchedulePoint(index: choices.count, enabled: enabled, ops: ops, last: last)) else {
                    abandoned = true
                    break
                }
                XCTAssertTrue(enabled.contains(b))
                choices.append(b)
                pc[b] += 1
                last = b
            }
            if abandoned { strategy.abandon(); return nil }
            try strategy.end(grants: choices.count)
            return choices
        }
    }

    private let writes4: [GateOp] = [.truncate, .write, .truncate, .write]

    func testExhaustiveCountsEveryInterleavingAndTheBoundedOnes() throws {
        // (2·4)!/(4!·4!) = 70 when every step conflicts; the memo's §4.2 table for ≤ 0, 1, 2 preemptions.
        var all = ExhaustiveStrategy(preemptions: nil, cap: 10_000)
        let runs = try explore(&all, steps: [writes4, writes4])
        XCTAssertEqual(runs.count, 70)
        XCTAssertEqual(Set(runs).count, 70)
        XCTAssertTrue(all.complete)
        for (bound, expected) in [(0, 2), (1, 8), (2, 26), (3, 44)] {
            var bounded = ExhaustiveStrategy(preemptions: bound, cap: 10_000)
            XCTAssertEqual(try explore(&bounded, steps: [writes4, writes4]).count, expected, "≤ \(bound) preemptions")
        }
        var three = ExhaustiveStrategy(preemptions: 1, cap: 10_000)
        XCTAssertEqual(try explore(&three, steps: [writes4, writes4, writes4]).count, 60)
    }

    func testSleepSetsDoNotReorderIndependentSteps() throws {
        // Two reads commute; steps on different objects commute: one class, one schedule.
        var reads = ExhaustiveStrategy(preemptions: nil, cap: 1_000)
        XCTAssertEqual(try explore(&reads, steps: [[.read, .read], [.read, .read]]).count, 1)
        var apart = ExhaustiveStrategy(preemptions: nil, cap: 1_000)
        XCTAssertEqual(try explore(&apart, steps: [[.acquire, .release], [.read, .read]]).count, 1)
        // One write against one read: the two orders differ.
        var race = ExhaustiveStrategy(preemptions: nil, cap: 1_000)
        XCTAssertEqual(try explore(&race, steps: [[.write], [.read]]).count, 2)
    }

    func testExhaustiveSaysWhenTheCapCutItShort() throws {
        var capped = ExhaustiveStrategy(preemptions: nil, cap: 10)
        XCTAssertEqual(try explore(&capped, steps: [writes4, writes4]).count, 10)
        XCTAssertFalse(capped.complete)
    }

    func testRandomIsSeededAndUniformAmongTheEnabled() throws {
        var a = RandomStrategy(seed: 7, runs: 200), b = RandomStrategy(seed: 7, runs: 200)
        let first = try explore(&a, steps: [writes4, writes4]), second = try explore(&b, steps: [writes4, writes4])
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.count, 200)
        let firstMoves = first.map { $0[0] }
        let ones = firstMoves.filter { $0 == 0 }.count
        XCTAssertTrue((70...130).contains(ones), "first grant to buyer 1 in \(ones) of 200")
        var other = RandomStrategy(seed: 8, runs: 200)
        XCTAssertNotEqual(try explore(&other, steps: [writes4, writes4]), first)
    }

    func testPCTLearnsKFromALowestFirstRunAndStatesItsBound() throws {
        var learn = PCTStrategy(seed: 1, runs: 1, depth: 2, buyers: 2)
        XCTAssertEqual(try explore(&learn, steps: [writes4, writes4]), [[0, 0, 0, 0, 1, 1, 1, 1]])
        // Steps with two enabled buyers: 4 in the learning run (buyer 2 runs alone after).
        XCTAssertEqual(learn.k, 4)
        XCTAssertEqual(learn.bound, 1.0 / 8, accuracy: 1e-12)
        var pct = PCTStrategy(seed: 1, runs: 50, depth: 2, buyers: 2)
        let runs = try explore(&pct, steps: [writes4, writes4])
        XCTAssertEqual(runs[0], [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(pct.k, 7, "k grows to the most steps with a choice seen")
        // With one change point some schedules preempt.
        XCTAssertTrue(runs.contains { ScheduleString.preemptions($0, enabled: Array(repeating: [0, 1], count: $0.count)) > 0 })
        var deeper = PCTStrategy(seed: 1, runs: 1, depth: 3, buyers: 4)
        _ = try explore(&deeper, steps: [writes4, writes4, writes4, writes4])
        XCTAssertEqual(deeper.bound, 1.0 / (4 * Double(deeper.k * deeper.k)), accuracy: 1e-12)
    }

    func testPartsOfRoundsRunTheSchedulesOfOneProcess() throws {
        XCTAssertEqual(PCTStrategy.rounds(130).map(\.count), [1, 4, 8, 16, 32, 64, 5])
        XCTAssertEqual(PCTStrategy.rounds(3), [0..<1, 1..<3])
        // Three buyers whose steps differ, so schedules have different numbers of choices and k grows.
        let steps: [[GateOp]] = [writes4, [.read, .write], writes4 + writes4]
        for parts in [2, 3] {
            var serialPCT = PCTStrategy(seed: 9, runs: 130, depth: 3, buyers: 3)
            let serial = try explore(&serialPCT, steps: steps)
            var split: [[Int]] = [], k = 0
            for round in PCTStrategy.rounds(130) {
                var byIndex: [Int: [Int]] = [:], learned = 0
                for part in 0..<min(parts, round.count) {
                    var p = PCTStrategy(seed: 9, runs: 130, depth: 3, buyers: 3, round: round, part: part, parts: min(parts, round.count), k: k)
                    var indices: [Int] = []
                    while p.begin() {
                        indices.append(p.current)
                        byIndex[p.current] = try once(&p, steps: steps)
                    }
                    learned = max(learned, p.k)
                    XCTAssertEqual(indices, Array(stride(from: round.lowerBound + part, to: round.upperBound, by: min(parts, round.count))))
                }
                k = max(k, learned)
                split += round.map { byIndex[$0]! }
            }
            XCTAssertEqual(split, serial, "pct in \(parts) parts")
            XCTAssertEqual(k, serialPCT.k)
            var serialRandom = RandomStrategy(seed: 9, runs: 50)
            var randomParts: [Int: [Int]] = [:]
            for part in 0..<parts {
                var r = RandomStrategy(seed: 9, runs: 50, part: part, parts: parts)
                while r.begin() { randomParts[r.current] = try once(&r, steps: steps) }
            }
            XCTAssertEqual((0..<50).map { randomParts[$0]! }, try explore(&serialRandom, steps: steps), "random in \(parts) parts")
        }
    }

    func testReplayDivergesAndRunsPastTheEndWithTheirPositions() throws {
        var ok = ReplayStrategy(choices: [1, 0])
        XCTAssertEqual(try explore(&ok, steps: [[.read, .read], [.read]]), [[1, 0, 0]])
        var diverge = ReplayStrategy(choices: [1, 1])
        XCTAssertThrowsError(try explore(&diverge, steps: [[.read, .read], [.read]])) { error in
            XCTAssertTrue("\(error)".contains("grant 2"), "\(error)")
            XCTAssertTrue("\(error)".contains("buyer 2 is not enabled"), "\(error)")
        }
        var long = ReplayStrategy(choices: [0, 0, 1, 0])
        XCTAssertThrowsError(try explore(&long, steps: [[.read, .read], [.read]])) { error in
            XCTAssertTrue("\(error)".contains("runs past the end"), "\(error)")
        }
        var tolerant = ReplayStrategy(choices: [1, 1, 1, 0], tolerant: true)
        XCTAssertEqual(try explore(&tolerant, steps: [[.read, .read], [.read]]), [[1, 0, 0]])
    }

    /// A replay of another version of the program (lenient): the first grant that no longer
    /// fits is noted, not thrown, and the run goes on by the tail rule; so is running past the end.
    func testALenientReplayNotesWhereItDivergedAndFinishesByTheTailRule() throws {
        var diverge = ReplayStrategy(choices: [1, 1, 0], lenient: true)
        XCTAssertEqual(try explore(&diverge, steps: [[.read, .read], [.read]]), [[1, 0, 0]])
        XCTAssertTrue(diverge.diverged?.contains("diverged at grant 2: buyer 2 is not enabled") == true, diverge.diverged ?? "nil")
        var long = ReplayStrategy(choices: [0, 0, 1, 0], lenient: true)
        XCTAssertEqual(try explore(&long, steps: [[.read, .read], [.read]]), [[0, 0, 1]])
        XCTAssertTrue(long.diverged?.contains("runs past the end") == true, long.diverged ?? "nil")
        var same = ReplayStrategy(choices: [1, 0], lenient: true)
        XCTAssertEqual(try explore(&same, steps: [[.read, .read], [.read]]), [[1, 0, 0]])
        XCTAssertNil(same.diverged)
    }

    /// The fingerprint with a program's file digests differs from the one without, and with other digests.
    func testProgramFileDigestsChangeTheFingerprint() {
        var p = Scenario(name: "p", tickets: 1, buyers: BuyerGroup(count: 2))
        p.program = ProgramConfig(mode: .perBuyer, command: ["sh", "{dir}/buy.sh"], dir: "/a")
        XCTAssertNotEqual(ScheduleString.fingerprint(p), ScheduleString.fingerprint(p, programFiles: [1]))
        XCTAssertNotEqual(ScheduleString.fingerprint(p, programFiles: [1]), ScheduleString.fingerprint(p, programFiles: [2]))
        XCTAssertEqual(ScheduleString.fingerprint(p, programFiles: [7]), ScheduleString.fingerprint(p, programFiles: [7]))
    }

    func testScheduleStringRoundTripsAndNamesBadInput() throws {
        let s = ScheduleString(fingerprint: 0x3fa94c10, choices: [0, 0, 0, 0, 1] + Array(repeating: 2, count: 9) + [9, 35, 60, 99])
        XCTAssertEqual(s.text, "S1.3fa94c10.111123~9aAZ{100}")
        XCTAssertEqual(try ScheduleString.parse(s.text), s)
        XCTAssertEqual(try ScheduleString.parse("S1.3fa94c10.").choices, [])
        for (bad, says) in [("S1.3fa94c10.13", "choice 2"), ("S1.3fa94c10.1?", "is not a buyer"), ("S2.3fa94c10.1", "layout"),
                            ("S1.xyz.1", "8 hex"), ("112", "not a schedule string"), ("S1.3fa94c10.1~0", "count")] {
            XCTAssertThrowsError(try ScheduleString.parse(bad, buyers: 2), bad) { XCTAssertTrue("\($0)".contains(says), "\($0)") }
        }
        XCTAssertThrowsError(try ScheduleString.parse("S1.3fa94c10.13", buyers: 2)) { XCTAssertTrue("\($0)".contains("buyer 3 does not exist")) }
    }

    func testTailRuleAndTrimming() {
        XCTAssertEqual(ScheduleString.tail(enabled: [0, 1], last: 1), 1)
        XCTAssertEqual(ScheduleString.tail(enabled: [0, 2], last: 1), 0)
        XCTAssertEqual(ScheduleString.tail(enabled: [2], last: nil), 2)
        // 1 1 2 2 2 2 1 1 with both enabled until each finishes: the tail rule gives the rest after "112".
        let choices = [0, 0, 1, 1, 1, 1, 0, 0]
        let enabled: [[Int]] = [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0], [0]]
        XCTAssertEqual(ScheduleString.trimmed(choices, enabled: enabled), [0, 0, 1])
        XCTAssertEqual(ScheduleString.preemptions(choices, enabled: enabled), 1)
        XCTAssertEqual(ScheduleString.trimmed([0, 0, 0], enabled: [[0, 1], [0, 1], [0, 1]]), [])
    }

    func testFingerprintFollowsTheScenarioShape() {
        let a = Scenario(name: "a", tickets: 1, buyers: BuyerGroup(count: 2))
        var b = a
        b.name = "b"
        b.delays = Delays(search: .fixed(5))
        XCTAssertEqual(ScheduleString.fingerprint(a), ScheduleString.fingerprint(b), "names and delays do not change what a schedule means")
        b.buyers.count = 3
        XCTAssertNotEqual(ScheduleString.fingerprint(a), ScheduleString.fingerprint(b))
        var p = a, q = a
        p.program = ProgramConfig(mode: .perBuyer, command: ["sh", "{dir}/buy.sh"], dir: "/x")
        q.program = ProgramConfig(mode: .perBuyer, command: ["sh", "{dir}/buy.sh", "--lock"], dir: "/y")
        XCTAssertNotEqual(ScheduleString.fingerprint(a), ScheduleString.fingerprint(p), "a program's steps are its own")
        XCTAssertNotEqual(ScheduleString.fingerprint(p), ScheduleString.fingerprint(q))
        q.program?.command.removeLast()
        XCTAssertEqual(ScheduleString.fingerprint(p), ScheduleString.fingerprint(q), "the command as written: the folder does not count")
    }

    func testLockModelEnablesAcquireOnlyWhileFreeAndKnowsWhoReleasesTheDead() {
        var flock = LockModel(mode: .flock)
        let ops: [GateOp?] = [.read, .acquire, .acquire, nil]
        XCTAssertEqual(flock.enabled(ops), [0, 1, 2])
        flock.acquired(by: 0)
        XCTAssertEqual(flock.enabled(ops), [0])
        flock.released(by: 1)  // not the holder: nothing changes
        XCTAssertEqual(flock.holder, 0)
        flock.died(0)
        XCTAssertNil(flock.holder, "the kernel drops a dead holder's flock")
        var sem = LockModel(mode: .semaphore)
        sem.acquired(by: 0)
        sem.died(0)
        XCTAssertEqual(sem.holder, 0)
        XCTAssertTrue(sem.holderDead)
        XCTAssertEqual(sem.enabled([nil, .acquire, .acquire]), [], "no enabled buyer: deadlock")
        XCTAssertEqual(sem.waitFor([nil, .acquire, .acquire], names: ["a", "b", "c"]), "b, c wait for a, which died holding it")
        XCTAssertTrue(LockModel(mode: .mutex).releasedOnDeath)
        XCTAssertFalse(LockModel(mode: .lockfile).releasedOnDeath)
    }

    func testProgramStepsCommuteWithNothingSoSleepSetsNeverSkipAnOrder() throws {
        // The runner cannot see into a program's step: it may read, write, lock or unlock.
        for op in GateOp.allCases {
            XCTAssertTrue(GateOp.program.dependent(op), "program vs \(op.name)")
            XCTAssertTrue(op.dependent(.programAcquire), "\(op.name) vs program acquire")
        }
        XCTAssertFalse(GateOp.write.dependent(.acquire), "why a document write is not the conservative op")
        // Two programs of 4 steps: every one of the (2·4)!/(4!·4!) = 70 interleavings runs.
        let program4 = [GateOp](repeating: .program, count: 4)
        var all = ExhaustiveStrategy(preemptions: nil, cap: 10_000)
        XCTAssertEqual(Set(try explore(&all, steps: [program4, program4])).count, 70)
        XCTAssertTrue(all.complete)
        // Against a built-in buyer's reads, too: no class is merged.
        var mixed = ExhaustiveStrategy(preemptions: nil, cap: 10_000)
        XCTAssertEqual(try explore(&mixed, steps: [[.program, .program], [.read, .read]]).count, 6)
        // A program after lock.wait is enabled only while the lock is free.
        var model = LockModel(mode: .none)
        model.acquired(by: 0)
        XCTAssertEqual(model.enabled([.program, .programAcquire]), [0])
        XCTAssertEqual(model.waitFor([nil, .programAcquire], names: ["a", "b"]), "b waits for a")
        model.died(0)
        XCTAssertEqual(model.enabled([nil, .programAcquire]), [1], "a program's exit frees its lock in the model")
    }

    func testShrinkerProjectionAndOverrides() {
        XCTAssertEqual(Reduction.project([0, 2, 1, 2, 3, 1], dropping: 1), [0, 1, 1, 2])
        XCTAssertEqual(Reduction.project([0, 0, 1], dropping: 0), [0])
        let a = Scenario(name: "a", tickets: 5, buyers: BuyerGroup(count: 10))
        var b = a
        b.tickets = 1
        b.buyers.count = 2
        XCTAssertEqual(Reduction.overrides(from: a, to: b), ["--buyers", "2", "--tickets", "1"])
        var faulted = b
        faulted.faults = [Fault(.kill, .buyers([4]), at: .lockAcquired)]
        XCTAssertFalse(Reduction.faultsSurvive(faulted), "a fault naming buyer 5 keeps 5 buyers")
        faulted.buyers.count = 4
        XCTAssertFalse(Reduction.faultsSurvive(faulted), "buyer 5 is not among 4 (the fault's buyers are 0-based)")
        faulted.buyers.count = 5
        XCTAssertTrue(Reduction.faultsSurvive(faulted))
    }
}
