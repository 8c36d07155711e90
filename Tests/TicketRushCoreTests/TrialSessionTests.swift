import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import TicketRushModel
@testable import TicketRushRunner

/// The trial session in this process: every pacer tells the group observer the trial's
/// process group once its buyers exist and 0 once they are reaped (the controlled runner
/// used to forget it, so a `--jobs` pool could not kill a lost worker's schedule).
final class TrialSessionTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/trsession.XXXXXX".utf8CString)
        folder = String(cString: try XCTUnwrap(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }))
    }

    override func tearDown() {
        TrialSession.groupObserver = nil
        removeTree(folder)
    }

    private func scenario() -> Scenario {
        var s = Scenario(name: "s", tickets: 2, buyers: BuyerGroup(count: 3))
        s.timeoutNs = 10_000_000_000
        return s
    }

    /// Runs `trial` in a forked child (single-threaded there, as the runner is; XCTest is
    /// not) with an observer that records each call; the child's exit code is what it saw:
    /// 0 = one group > 0 then 0, 1 = other calls, 2 = the trial threw.
    private func observedExit(_ trial: @escaping () throws -> Bool) throws -> Int32 {
        let pid = fork()
        if pid == 0 {
            var groups: [pid_t] = []
            TrialSession.groupObserver = { groups.append($0) }
            guard (try? trial()) == true else { _exit(2) }
            _exit(groups.count == 2 && groups[0] > 0 && groups[1] == 0 ? 0 : 1)
        }
        XCTAssertGreaterThan(pid, 0)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        XCTAssertEqual(status & 0x7f, 0, "the child was killed by signal \(status & 0x7f)")
        return (status >> 8) & 0xff
    }

    func testTimingTrialTellsTheGroupThenZero() throws {
        let (s, folder) = (scenario(), folder)
        let seen = try observedExit {
            try TrialSession(scenario: s, trial: 0, seed: 1, folder: folder).run().exits.count == 3
        }
        XCTAssertEqual(seen, 0)
    }

    func testControlledTrialTellsTheGroupThenZero() throws {
        let (s, folder) = (scenario(), folder)
        let seen = try observedExit {
            let outcome = try TrialSession(scenario: s, trial: 0, seed: 1, folder: folder).run { point in point.enabled.first }
            return outcome.history != nil && !outcome.choices.isEmpty
        }
        XCTAssertEqual(seen, 0)
    }
}
