import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat
import TicketRushChecks
import TicketRushRunner

/// Faults at a time offset (`after:`, issue 11): located errors for bad values, the model,
/// `show`, records, and the injector's bookkeeping, with no process involved.
final class FaultOffsetTests: XCTestCase {
    private func diagnostics(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "s.yaml").diagnostics.map(\.description)
    }

    private func load(_ yaml: String) throws -> Scenario {
        try XCTUnwrap(try ScenarioLoader().load(data: Data(yaml.utf8), path: "s.yaml").first)
    }

    private let head = "name: f\ntickets: 1\nbuyers: 10\n"

    func testAfterBuildsATimeOffsetFault() throws {
        let s = try load(head + """
            faults:
              - kill: {buyers: [2], after: 150ms}
              - stall: {probability: 0.5, after: 1.5, for: 50ms}
              - kill: {buyers: [3], at: start}
            """)
        XCTAssertEqual(s.faults, [
            Fault(.kill, .buyers([1]), afterNs: 150_000_000),
            Fault(.stall(50_000_000), .probability(0.5), afterNs: 1_500_000_000),
            Fault(.kill, .buyers([2]), at: .start),
        ])
        XCTAssertEqual(s.faults.map(\.summary), ["kill buyers [2] after 150ms", "stall 50ms probability 0.5 after 1500ms", "kill buyers [3] at start"])
        XCTAssertNil(s.faults[0].at)
        XCTAssertEqual(s.faults[2].at, .start)
    }

    func testAfterMustBeADurationAboveZero() {
        let at = "s.yaml:5:32: error: 'faults[0].kill.after' must be"
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], after: 0}\n"),
                       ["\(at) a duration above 0 (the time after the start barrier opens), got 0"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], after: 0ms}\n"),
                       ["\(at) a duration above 0 (the time after the start barrier opens), got 0"])
        for bad in ["-5ms", "-1", "soon", "5 parsecs"] {
            XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], after: \(bad)}\n"),
                           ["\(at) a duration such as 1s, 250ms, 40us, 2m or a number of seconds (not negative), got '\(bad)'"], bad)
        }
    }

    func testAtOrAfterExactlyOnce() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1]}\n"),
                       ["s.yaml:5:11: error: 'faults[0].kill' needs 'at: STEP' or 'after: DURATION'"])
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {buyers: [1], at: start, after: 1s}\n"),
                       ["s.yaml:5:43: error: 'faults[0].kill' has both 'at' and 'after': give one"])
    }

    func testAfterWithLimitIsAnError() {
        XCTAssertEqual(diagnostics(head + "faults:\n  - kill: {probability: 0.5, after: 1s, limit: 1}\n"),
                       ["s.yaml:5:48: error: 'faults[0].kill.limit' counts the first buyers to reach a step; 'after' hits every chosen buyer at once: choose them with 'buyers' or 'probability'"])
    }

    func testAfterUnderAControlledScheduleIsAnError() {
        XCTAssertEqual(diagnostics(head + "schedule: random\nfaults:\n  - kill: {buyers: [1], after: 100ms}\n"),
                       ["s.yaml:6:32: error: 'faults[0].kill.after' is a time offset, which means nothing under 'schedule.strategy' random (the schedule, not the clock, orders the steps): name a step with 'at'"])
        XCTAssertEqual(diagnostics(head + "schedule: timing\nfaults:\n  - kill: {buyers: [1], after: 100ms}\n"), [])
        // A protocol program under control too: its gate, not the clock, orders its steps.
        XCTAssertEqual(diagnostics("name: f\ntickets: 1\nbuyers: {count: 2, command: [sh, -c, 'true']}\nschedule: exhaustive\nfaults:\n  - kill: {buyers: [1], after: 100ms}\n"),
                       ["s.yaml:6:32: error: 'faults[0].kill.after' is a time offset, which means nothing under 'schedule.strategy' exhaustive (the schedule, not the clock, orders the steps): name a step with 'at'"])
        // A sweep over the strategy: the controlled cells say so, the timing cell loads.
        let swept = diagnostics(head + "matrix: {schedule.strategy: [timing, pct]}\nfaults:\n  - stall: {buyers: [1], after: 100ms, for: 1s}\n")
        XCTAssertEqual(swept.count, 1, "\(swept)")
        XCTAssertTrue(swept.first?.contains("under 'schedule.strategy' pct") ?? false, "\(swept)")
        XCTAssertTrue(swept.first?.contains("in cell f[schedule.strategy=pct]") ?? false, "\(swept)")
    }

    func testAnOffsetAtOrPastTheTimeoutCanNeverFire() {
        XCTAssertEqual(diagnostics(head + "timeout: 1s\nfaults:\n  - kill: {buyers: [1], after: 1s}\n"),
                       ["s.yaml:6:32: error: 'faults[0].kill.after' is 1s, not before the timeout (1s): the fault would never fire"])
        XCTAssertEqual(diagnostics(head + "timeout: 1s\ntime_scale: 2\nfaults:\n  - kill: {buyers: [1], after: 600ms}\n"),
                       ["s.yaml:7:32: error: 'faults[0].kill.after' is 600ms × time_scale 2, not before the timeout (1s): the fault would never fire"])
        XCTAssertEqual(diagnostics(head + "timeout: 1s\ntime_scale: 0.5\nfaults:\n  - kill: {buyers: [1], after: 1500ms}\n"), [])
    }

    func testProgramModeFaultsRemainAnError() {
        let text = "name: f\ntickets: 1\nbuyers: 2\nprogram: {command: [sh, -c, 'true']}\nfaults:\n  - kill: {buyers: [1], after: 100ms}\n"
        XCTAssertEqual(diagnostics(text).filter { $0.contains("'faults' cannot target the buyers a whole program starts itself") }.count, 1,
                       "\(diagnostics(text))")
    }

    func testShowRoundTripsAnOffset() throws {
        let text = head + "faults:\n  - kill: {buyers: [1, 3], after: 0.15}\n  - stall: {probability: 0.25, after: 2s, for: 300ms}\n"
        let (documents, errors) = ScenarioLoader().inspect(data: Data(text.utf8), path: "in.yaml")
        XCTAssertEqual(errors, [])
        let shown = try ScenarioYAML.text(documents)
        XCTAssertTrue(shown.contains("- {kill: {buyers: [1, 3], after: 150ms}}"), shown)
        XCTAssertTrue(shown.contains("- {stall: {probability: 0.25, after: 2s, for: 300ms}}"), shown)
        let again = try ScenarioLoader().load(data: Data(shown.utf8), path: "out.yaml")
        XCTAssertEqual(again.map(\.withoutOrigin), documents.map(\.scenario.withoutOrigin))
    }

    /// Records keep a step as `at` (as before offsets existed) and an offset as `afterNs`.
    func testRecordsEncodeBothMomentsAndReadOldOnes() throws {
        let faults = [Fault(.kill, .buyers([1]), at: .lockAcquired, limit: 2), Fault(.stall(5), .probability(0.5), afterNs: 150_000_000)]
        let data = try JSONEncoder().encode(faults)
        XCTAssertEqual(try JSONDecoder().decode([Fault].self, from: data), faults)
        let objects = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertEqual(objects[0]["at"] as? Int, Int(EventKind.lockAcquired.rawValue))
        XCTAssertNil(objects[0]["afterNs"])
        XCTAssertEqual(objects[1]["afterNs"] as? Int, 150_000_000)
        XCTAssertNil(objects[1]["at"])
        // Written by a build before time offsets: `at` and no `afterNs`.
        let old = #"{"action":{"kill":{}},"target":{"buyers":{"_0":[2]}},"at":5}"#
        XCTAssertEqual(try JSONDecoder().decode(Fault.self, from: Data(old.utf8)), Fault(.kill, .buyers([2]), at: .lockAcquired))
    }
}

final class FaultOffsetInjectorTests: XCTestCase {
    func testAnOffsetHitsTheChosenBuyersStillRunningAtTheScaledTime() {
        var f = FaultInjector(faults: [Fault(.kill, .buyers([0, 2]), afterNs: 100_000_000)], buyers: 3, seed: 1, timeScale: 0.5)
        XCTAssertTrue(f.isActive)
        XCTAssertEqual(f.stops, [:], "nobody stops itself for a time offset")
        XCTAssertFalse(f.hasDue(now: .max), "nothing is due before the barrier opened")
        f.begin(at: 1_000)
        XCTAssertEqual(f.nextWake(now: 2_000), 1_000 + 50_000_000, "100 ms × time_scale 0.5, from the barrier")
        XCTAssertFalse(f.hasDue(now: 1_000 + 49_999_999))
        XCTAssertTrue(f.hasDue(now: 1_000 + 50_000_000))
        let hits = f.due(now: 50_002_000, finished: { $0 == 2 }, lastTask: { _ in 3 })
        XCTAssertEqual(hits.map(\.buyer), [0])
        XCTAssertEqual(hits.map(\.hit), [.kill])
        XCTAssertEqual(f.killed, [0], "buyer 3 had finished: not hit")
        XCTAssertEqual(f.events, [Event(tNs: 50_002_000, buyer: 0, task: 3, kind: .faultKill, value: Int64(SIGKILL), aux: Fault.Landing.offset.rawValue)],
                       "nothing is logged for the finished buyer")
        XCTAssertFalse(f.hasDue(now: .max))
        XCTAssertEqual(f.nextWake(now: 60_000_000), .max)
    }

    func testAnOffsetStallHoldsTheRunnersOwnStopAndOverlapsExtend() {
        var f = FaultInjector(faults: [Fault(.stall(100), .buyers([0]), afterNs: 10), Fault(.stall(50), .buyers([0]), afterNs: 20)],
                              buyers: 1, seed: 1, timeScale: 1)
        f.begin(at: 0)
        XCTAssertEqual(f.due(now: 10, finished: { _ in false }, lastTask: { _ in 0 }).map(\.hit), [.stop])
        // The runner's SIGSTOP shows up as a stop: held, never resumed early.
        XCTAssertEqual(f.stopped(buyer: 0, last: Event(tNs: 5, buyer: 0, task: 0, kind: .searchRead), now: 11), .hold)
        XCTAssertEqual(f.due(now: 20, finished: { _ in false }, lastTask: { _ in 0 }).map(\.hit), [.stop])
        XCTAssertEqual(f.nextWake(now: 21), 110, "the later end of the two stalls (10+100, 20+50)")
        XCTAssertEqual(f.resumeDue(now: 109, lastTask: { _ in 0 }), [])
        XCTAssertEqual(f.resumeDue(now: 110, lastTask: { _ in 0 }), [0])
        XCTAssertEqual(f.events.map(\.kind), [.faultStall, .faultStall, .faultResume])
        XCTAssertEqual(f.stopped(buyer: 0, last: nil, now: 120), .resume, "not held any more: a stray stop is resumed")
    }

    func testAKillEndsAStallAndLaterOffsetsSkipTheDead() {
        var f = FaultInjector(faults: [Fault(.stall(1_000), .buyers([0]), afterNs: 10), Fault(.kill, .buyers([0]), afterNs: 20),
                                       Fault(.kill, .buyers([0]), afterNs: 30)], buyers: 1, seed: 1, timeScale: 1)
        f.begin(at: 0)
        _ = f.due(now: 10, finished: { _ in false }, lastTask: { _ in 0 })
        XCTAssertEqual(f.due(now: 40, finished: { _ in false }, lastTask: { _ in 0 }).map(\.hit), [.kill], "killed once")
        XCTAssertEqual(f.resumeDue(now: 2_000, lastTask: { _ in 0 }), [], "a dead buyer is not resumed")
        XCTAssertEqual(f.events.map(\.kind), [.faultStall, .faultKill])
    }

    /// The buyer exited on its own in the moment before the SIGKILL: nothing happened to it.
    func testAKillThatLostTheRaceWithTheExitIsTakenBack() {
        var f = FaultInjector(faults: [Fault(.kill, .buyers([0, 1]), afterNs: 10)], buyers: 2, seed: 1, timeScale: 1)
        f.begin(at: 0)
        XCTAssertEqual(f.due(now: 10, finished: { _ in false }, lastTask: { _ in 0 }).count, 2)
        f.confirmKills([.exited(code: 0), .signaled(signal: SIGKILL)])
        XCTAssertEqual(f.killed, [1])
        XCTAssertEqual(f.events.map(\.buyer), [1])
    }

    /// Only a built-in buyer's exact stop at purchase.write proves it never wrote; a kill at a
    /// time offset (or on a program's line) there leaves the write indeterminate.
    func testAnOffsetKillAfterPurchaseWriteIsIndeterminate() {
        for (landing, completion) in [(Fault.Landing.step, BuyerOperation.Completion.fail), (.offset, .info), (.arrival, .info)] {
            var events = [Event(tNs: 1, buyer: 0, task: 0, kind: .purchaseRead, value: 1), Event(tNs: 2, buyer: 0, task: 0, kind: .purchaseWrite),
                          Event(tNs: 3, buyer: 0, task: 0, kind: .faultKill, value: 9, aux: landing.rawValue)]
            TrialRunner.closeOpenTasks(&events, wants: 1, exits: [.signaled(signal: 9)], timedOut: false, at: 10, killed: [0])
            let h = TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a"], wants: 1, events: events,
                                 exits: [.signaled(signal: 9)], finalRead: .count(1), durationNs: 10)
            XCTAssertEqual(h.operations.first?.completion, completion, "\(landing)")
        }
    }
}
