import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat
import TicketRushRunner

/// The `faults:` list and `lock.retries`: located errors for bad input, the model for good.
final class FaultValidationTests: XCTestCase {
    private func diagnostics(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "s.yaml").diagnostics.map(\.description)
    }

    private func load(_ yaml: String) throws -> Scenario {
        let scenarios = try ScenarioLoader().load(data: Data(yaml.utf8), path: "s.yaml")
        return try XCTUnwrap(scenarios.first)
    }

    private let head = "name: f\ntickets: 1\nbuyers: 10\nlock: flock\n"

    func testGoodFaultsBuildTheModel() throws {
        let s = try load(head + """
            faults:
              - kill: {buyers: [3, 10], at: lock.acquired}
              - kill: {probability: 0.25, at: purchase.write, limit: 2}
              - stall: {buyers: [1], at: lock.acquired, for: 200ms}
            """)
        XCTAssertEqual(s.faults, [
            Fault(.kill, .buyers([2, 9]), at: .lockAcquired),
            Fault(.kill, .probability(0.25), at: .purchaseWrite, limit: 2),
            Fault(.stall(200_000_000), .buyers([0]), at: .lockAcquired),
        ])
        XCTAssertEqual(s.lock.retries, 100, "lock.retries defaults to 100")
    }

    func testNoFaultsByDefaultAndRetriesCanBeSet() throws {
        let s = try load("name: f\ntickets: 1\nbuyers: 2\nlock: {mode: optimistic, retries: 3}\n")
        XCTAssertEqual(s.faults, [])
        XCTAssertEqual(s.lock.retries, 3)
        XCTAssertEqual(s.lock.mode, .optimistic)
    }

    func testAtMustNameABuyerStep() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], at: lock.aquired}\n"),
                       ["s.yaml:6:29: error: 'faults[0].kill.at' must be one of \(FaultSchema.steps.joined(separator: ", ")), got 'lock.aquired'; did you mean 'lock.acquired'?"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], at: fault.kill}\n").count, 1,
                       "runner-written kinds are not steps a buyer reaches")
    }

    func testBuyerNumbersAreOneBasedAndWithinCount() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [2, 11], at: start}\n"),
                       ["s.yaml:6:24: error: 'faults[0].kill.buyers' names buyer 11, but the scenario has 10 buyers"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [0], at: start}\n"),
                       ["s.yaml:6:21: error: 'faults[0].kill.buyers[0]' must be from 1 to 100000, got 0"])
    }

    func testBuyersOrProbabilityExactlyOnce() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {at: start}\n"),
                       ["s.yaml:6:11: error: 'faults[0].kill' needs 'buyers: [N, ...]' or 'probability: P'"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], probability: 0.5, at: start}\n"),
                       ["s.yaml:6:38: error: 'faults[0].kill' has both 'buyers' and 'probability': give one"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {probability: 1.5, at: start}\n"),
                       ["s.yaml:6:25: error: 'faults[0].kill.probability' must be from 0 to 1, got 1.5"])
    }

    func testOneActionPerItem() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - {}\n"),
                       ["s.yaml:6:5: error: 'faults[0]' must be {kill: {...}} or {stall: {...}}"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], at: start}\n    stall: {buyers: [1], at: start, for: 1s}\n"),
                       ["s.yaml:6:5: error: 'faults[0]' has both kill and stall: give one action per item"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - freeze: {buyers: [1], at: start}\n"),
                       ["s.yaml:6:5: error: unknown key 'freeze' in 'faults[0]' (allowed: kill, stall)"])
    }

    func testStallNeedsForAndKillHasNoFor() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - stall: {buyers: [1], at: start}\n"),
                       ["s.yaml:6:12: error: missing required key 'faults[0].stall.for'"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], at: start, for: 1s}\n"),
                       ["s.yaml:6:36: error: unknown key 'for' in 'faults[0].kill' (allowed: buyers, probability, at, after, limit)"])
    }

    func testAFaultThatCanNeverFireIsAnError() {
        XCTAssertEqual(diagnostics("name: f\ntickets: 1\nbuyers: 2\nfaults:\n  - kill: {buyers: [1], at: lock.acquired}\n"),
                       ["s.yaml:5:29: error: 'faults[0].kill.at' names lock.acquired, which lock mode none never reports: the fault would never fire"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], at: purchase.retry}\n"),
                       ["s.yaml:6:29: error: 'faults[0].kill.at' names purchase.retry, which only the optimistic mode reports: the fault would never fire"])
        XCTAssertEqual(diagnostics("name: f\ntickets: 1\nbuyers: 2\nlock: mutex\nfaults:\n  - kill: {buyers: [1], at: lock.recovered}\n"), [])
    }

    func testRetriesMustNotBeNegative() {
        XCTAssertEqual(diagnostics("name: f\ntickets: 1\nbuyers: 2\nlock: {mode: optimistic, retries: -1}\n"),
                       ["s.yaml:4:35: error: 'lock.retries' must be from 0 to 1000000, got -1"])
    }

    func testProbabilityDrawsAreDeterministicPerSeed() {
        let fault = Fault(.kill, .probability(0.3), at: .start)
        let a = (0..<1000).filter { fault.hits(buyer: $0, index: 0, seed: 42) }
        let b = (0..<1000).filter { fault.hits(buyer: $0, index: 0, seed: 42) }
        let c = (0..<1000).filter { fault.hits(buyer: $0, index: 0, seed: 43) }
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssert((220...380).contains(a.count), "about 30% of 1000, got \(a.count)")
        XCTAssertEqual((0..<50).filter { Fault(.kill, .probability(1), at: .start).hits(buyer: $0, index: 1, seed: 7) }.count, 50)
    }

    func testFaultKilledBuyersCloseAsKilledEvenAfterATimeout() {
        var events = [Event(tNs: 1, buyer: 0, task: 0, kind: .lockAcquired), Event(tNs: 1, buyer: 1, task: 0, kind: .lockWait)]
        TrialRunner.closeOpenTasks(&events, wants: 1, exits: [.signaled(signal: 9), .signaled(signal: 15)], timedOut: true,
                                   at: 5, killed: [0])
        XCTAssertEqual(events.filter { $0.kind == .error }.map { $0.reason }, [.killed, .timeout])
    }
}
