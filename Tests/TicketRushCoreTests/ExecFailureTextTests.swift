#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import TicketRushModel
@testable import TicketRushChecks
import TicketRushRunner
import TicketRushReports

/// A program buyer whose exec failed (issue 11): the errno travels as the error event's value
/// and every report renders `exec failed: No such file or directory` from it.
final class ExecFailureTextTests: XCTestCase {
    private func execFailed(_ buyer: Int, errno code: Int32, at t: UInt64) -> Event {
        Event(tNs: t, buyer: buyer, task: 0, kind: .error, value: Int64(code), aux: ErrorReason.execFailed.rawValue)
    }

    /// Two command buyers that could not be run (ENOENT), as ProgramTrial records them.
    private func history(_ codes: [Int32] = [ENOENT, ENOENT], tickets: Int = 1) -> TrialHistory {
        var events: [Event] = []
        for (b, code) in codes.enumerated() {
            events += [Event(tNs: UInt64(10 * b + 1), buyer: b, task: 0, kind: .start), execFailed(b, errno: code, at: UInt64(10 * b + 1)),
                       Event(tNs: UInt64(10 * b + 2), buyer: b, task: 0, kind: .done)]
        }
        return TrialHistory(trial: 0, seed: 1, tickets: tickets, buyerNames: codes.indices.map { "b\($0 + 1)" }, wants: 1,
                            events: events.sorted { $0.tNs < $1.tNs }, exits: codes.map { _ in .exited(code: 127) },
                            finalRead: .count(tickets), durationNs: 100)
    }

    func testReasonTextRendersTheErrno() {
        XCTAssertEqual(execFailed(0, errno: ENOENT, at: 1).reasonText, "exec failed: No such file or directory")
        XCTAssertEqual(execFailed(0, errno: EACCES, at: 1).reasonText, "exec failed: Permission denied")
        XCTAssertEqual(execFailed(0, errno: 0, at: 1).reasonText, "exec failed", "no errno: the reason alone")
        XCTAssertEqual(Event(tNs: 1, buyer: 0, task: 0, kind: .error, value: 28, aux: ErrorReason.io.rawValue).reasonText,
                       "i/o error: No space left on device")
        XCTAssertEqual(Event(tNs: 1, buyer: 0, task: 0, kind: .error, value: 127, aux: ErrorReason.exitStatus.rawValue).reasonText,
                       "exit status 127")
        XCTAssertEqual(Event(tNs: 1, buyer: 0, task: 0, kind: .error, value: 3, aux: ErrorReason.program.rawValue).reasonText,
                       "program error", "a program's own value is not an errno")
        XCTAssertNil(Event(tNs: 1, buyer: 0, task: 0, kind: .bought).reasonText)
    }

    func testEventLogKeepsTheReasonWordAndAddsTheText() {
        let log = EventLog.jsonLines(history(), scenario: "missing")
        let line = log.split(separator: "\n").first { $0.contains("\"event\":\"error\"") }.map(String.init) ?? ""
        XCTAssertTrue(line.contains(#""value":2,"reason":"exec failed","reason_text":"exec failed: No such file or directory""#), line)
        // Reasons without an errno add nothing.
        var h = history()
        h.events = [Event(tNs: 1, buyer: 0, task: 0, kind: .error, aux: ErrorReason.timeout.rawValue)]
        XCTAssertFalse(EventLog.jsonLines(h).contains("reason_text"))
    }

    func testTranscriptSaysWhyTheExecFailed() {
        let h = history([ENOENT, EACCES])
        XCTAssertEqual(Transcript.sentence(h.events[1], h), "b1: error (exec failed: No such file or directory)")
        XCTAssertEqual(Transcript.sentence(h.events[4], h), "b2: error (exec failed: Permission denied)")
    }

    func testFailureTextNamesTheErrno() {
        let finished = AllFinishedChecker().judge(history())
        XCTAssertEqual(finished.verdict, .violated)
        XCTAssertEqual(finished.summary, "2 buyers did not exit cleanly (exec failed: No such file or directory)",
                       "one cause for every buyer: the summary line (terminal, JUnit message, summary.json) says it")
        XCTAssertEqual(finished.details, ["b1 exited 127 (exec failed: No such file or directory), b2 exited 127 (exec failed: No such file or directory)"])
        let mixed = AllFinishedChecker().judge(history([ENOENT, EACCES]))
        XCTAssertEqual(mixed.summary, "2 buyers did not exit cleanly")
        XCTAssertEqual(mixed.details, ["b1 exited 127 (exec failed: No such file or directory), b2 exited 127 (exec failed: Permission denied)"])
        let undersold = NoUndersellChecker().judge(history())
        XCTAssertEqual(undersold.verdict, .violated)
        XCTAssertTrue(undersold.details.contains { $0.hasPrefix("first failed task: b1 (exec failed: No such file or directory) at") }, "\(undersold.details)")
    }

    /// The evidence travels in trials.json: a record from before `cause` existed still reads.
    func testEvidenceWithACauseRoundTripsAndOldEvidenceReads() throws {
        let end = Evidence.BuyerEnd(buyer: 0, exit: .exited(code: 127), cause: execFailed(0, errno: ENOENT, at: 1))
        XCTAssertEqual(try JSONDecoder().decode(Evidence.BuyerEnd.self, from: try JSONEncoder().encode(end)), end)
        let old = try JSONDecoder().decode(Evidence.BuyerEnd.self, from: Data(#"{"buyer":0,"exit":{"exited":{"code":127}}}"#.utf8))
        XCTAssertEqual(old, Evidence.BuyerEnd(buyer: 0, exit: .exited(code: 127)))
    }
}
