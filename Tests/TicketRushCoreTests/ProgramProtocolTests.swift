import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat
import TicketRushChecks
@testable import TicketRushRunner

/// The pieces of issue 11 that need no process: the protocol parser, line patterns, the
/// new keys, and how unattributed lines are judged.
final class ProgramProtocolTests: XCTestCase {
    func testProtocolLines() {
        XCTAssertEqual(ProtocolLine.parse(#"{"event": "search.read", "value": 1}"#), ProtocolLine(kind: .searchRead, value: 1))
        XCTAssertEqual(ProtocolLine.parse(#"{"event":"bought","task":2,"buyer":"\u8def\u4eba3","extra":[1,{"a":null}]}"#),
                       ProtocolLine(kind: .bought, value: 0, task: 2, buyer: "路人3"))
        XCTAssertEqual(ProtocolLine.parse(#"{"event":"error","reason":"exec failed","value":2}"#),
                       ProtocolLine(kind: .error, value: 2, reason: "exec failed"))
        XCTAssertEqual(ProtocolLine.parse(#"{"buyer": 3, "event": "sold-out"}"#)?.buyer, "3")
        for bad in ["", "not json", #"{"event": "teleport"}"#, #"{"event": "fault.kill"}"#, #"{"value": 1}"#,
                    #"{"event": "bought""#, #"{"event": "bought"} x"#, #"{"event": "bought", "task": 0}"#,
                    #"{"event": "bought", "value": 99999999999999999999}"#, #"["bought"]"#] {
            XCTAssertNil(ProtocolLine.parse(bad), bad)
        }
    }

    func testLinePatternsFillBuyerAndValue() {
        let patterns = LinePatterns([
            OutcomePattern(key: "search", kind: .searchRead, pattern: #"<(?<buyer>[^>]+)>用户 查看剩余票数为 \[(?<value>\d+)\]"#),
            OutcomePattern(key: "bought", kind: .bought, pattern: "<(?<buyer>[^>]+)> 购票成功"),
            OutcomePattern(key: "sold-out", kind: .soldOut, pattern: "没票了"),
        ])
        XCTAssertEqual(patterns.match("<路人3>用户 查看剩余票数为 [1]"), LinePatterns.Match(kind: .searchRead, value: 1, buyer: "路人3"))
        XCTAssertEqual(patterns.match("<路人3> 购票成功"), LinePatterns.Match(kind: .bought, value: 0, buyer: "路人3"))
        XCTAssertEqual(patterns.match("没票了"), LinePatterns.Match(kind: .soldOut, value: 0, buyer: nil))
        XCTAssertNil(patterns.match("hello"))
    }

    func testKeysLoadIntoTheModel() throws {
        let yaml = """
            name: p
            tickets: 1
            buyers: {count: 2, command: [python3, "{dir}/buy.py", "{name}", "{name}"]}
            outcomes: {bought: 'ok', search: '(?<value>\\\\d+)'}
            """
        let s = try XCTUnwrap(try ScenarioLoader().load(data: Data(yaml.utf8), path: "/tmp/x/t.yaml").first)
        XCTAssertEqual(s.program?.mode, .perBuyer)
        XCTAssertEqual(s.program?.command, ["python3", "{dir}/buy.py", "{name}", "{name}"])
        XCTAssertEqual(s.program?.dir, "/tmp/x")
        XCTAssertEqual(s.program?.outcomes.map(\.kind), [.searchRead, .bought])
    }

    func testCrossKeyMistakesAreLocated() {
        func problems(_ yaml: String) -> [String] {
            ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map(\.description)
        }
        XCTAssertTrue(problems("name: p\ntickets: 1\nbuyers: {count: 2, command: [a]}\nprogram: {command: [b]}\n")
            .contains { $0.contains("t.yaml:4:") && $0.contains("both given") })
        XCTAssertTrue(problems("name: p\ntickets: 1\nbuyers: 2\nprogram: {command: [b, \"{name}\"]}\n")
            .contains { $0.contains("uses {name}") })
        XCTAssertTrue(problems("name: p\ntickets: 1\nbuyers: 2\noutcomes: {bought: x}\n")
            .contains { $0.contains("needs a program") })
        XCTAssertTrue(problems("name: p\ntickets: 1\nbuyers: {count: 2, command: [a]}\noutcomes: {bought: '(x'}\n")
            .contains { $0.contains("t.yaml:4:") && $0.contains("not a valid regular expression") })
    }

    /// Unattributed lines count toward totals; only invariants that need attribution say unknown.
    func testUnattributedLinesCountInTotalsOnly() {
        var events: [Event] = []
        events.append(Event(tNs: 10, buyer: 0, task: 0, kind: .bought))
        events.append(Event(tNs: 11, buyer: 2, task: 0, kind: .bought))  // buyer 2 of 2: a line naming no buyer
        events.append(Event(tNs: 12, buyer: 1, task: 0, kind: .soldOut))
        let h = TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1, events: events,
                             exits: [.exited(code: 0), .exited(code: 0)], finalRead: .count(0), incomplete: [.unattributed(lines: 1)])
        XCTAssertEqual(Invariant.noOversell.checker.judge(h).verdict, .violated)
        XCTAssertEqual(Invariant.conservation.checker.judge(h).verdict, .violated)
        let one = Invariant.oneOutcome.checker.judge(h)
        XCTAssertEqual(one.verdict, .unknown)
        XCTAssertTrue(one.summary.contains("named no buyer"), one.summary)
    }

    func testExitWithoutOutcomeEndsTheTaskInError() {
        var events = [Event(tNs: 1, buyer: 0, task: 0, kind: .searchRead, value: 1)]
        ProgramTrial.closeOpenTasks(&events, count: 2, wants: 1, exits: [.exited(code: 3), .exited(code: 0)], exitNs: [5, 6],
                                    timedOut: false, killed: [])
        XCTAssertEqual(events.last, Event(tNs: 5, buyer: 0, task: 0, kind: .error, value: 3, aux: ErrorReason.exitStatus.rawValue))
        XCTAssertEqual(events.count, 2)
    }
}
