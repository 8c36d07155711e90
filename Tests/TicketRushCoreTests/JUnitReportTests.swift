import Foundation
import TicketRushTestSupport
import XCTest
import TicketRushModel
import TicketRushChecks
@testable import TicketRushReports

final class JUnitReportTests: XCTestCase {
    /// A report with every status and hostile text: control characters, NUL, markup, Unicode.
    private func hostileReport() -> ScenarioReport {
        let name = "路人 <race> & \"quotes\" \u{0}\u{7}\u{1B}[31m"
        var scenario = Scenario(name: name, tickets: 1, buyers: BuyerGroup(count: 2, nameTemplate: "路人{n}"))
        scenario.expect = [.conservation: .violated]
        var met = InvariantReport(invariant: .noOversell, expectation: .hold)
        met.add(fixture(.noOversell, .holds, "1 purchase for 1 ticket"), trial: 0, seed: 9)
        var unmet = InvariantReport(invariant: .noTornRead, expectation: .hold)
        unmet.add(fixture(.noTornRead, .violated, "1 torn read \u{0} <b>"), trial: 0, seed: 9)
        var undetermined = InvariantReport(invariant: .conservation, expectation: .violated)
        undetermined.add(fixture(.conservation, .unknown, "final document torn"), trial: 0, seed: 9)
        let history = TrialHistory(trial: 0, seed: 9, tickets: 1, buyerNames: ["路人1", "路人2"], wants: 1,
                                   events: [Event(tNs: 5, buyer: 0, task: 0, kind: .searchTorn, value: 3)],
                                   exits: [.exited(code: 0), .exited(code: 0)], finalRead: .torn(bytes: 3), durationNs: 1_234_567)
        let trial = TrialRecord(history: history, scenario: name, results: [], keepTimeline: false)
        return ScenarioReport(scenario: scenario, seed: 42, trials: [trial], invariants: [met, unmet, undetermined],
                              durationNs: 12_345_678, startedAt: 1_800_000_000)
    }

    func testCountsAndStatuses() {
        let xml = JUnitReport.xml([hostileReport()], hostname: "h")
        XCTAssertTrue(xml.contains("<testsuites name=\"ticketrush\" tests=\"3\" failures=\"1\" errors=\"1\" time=\"0.012\">"), xml)
        XCTAssertTrue(xml.contains("type=\"InvariantViolated\""))
        XCTAssertTrue(xml.contains("<error message="))
        XCTAssertTrue(xml.contains("timestamp=\"2027-01-15T08:00:00\""), xml)
        XCTAssertFalse(xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "raw control characters in XML")
    }

    func testPropertiesNameTheLockAndTheFaults() {
        var report = hostileReport()
        report.scenario.lock = LockConfig(mode: .optimistic, scope: .task, retries: 7)
        report.scenario.faults = [Fault(.kill, .buyers([2]), at: .lockAcquired),
                                  Fault(.stall(200_000_000), .probability(0.5), at: .purchaseWrite, limit: 1)]
        let xml = JUnitReport.xml([report], hostname: "h")
        XCTAssertTrue(xml.contains("<property name=\"lock.retries\" value=\"7\"/>"), xml)
        XCTAssertTrue(xml.contains("<property name=\"faults[0]\" value=\"kill buyers [3] at lock.acquired\"/>"), xml)
        XCTAssertTrue(xml.contains("<property name=\"faults[1]\" value=\"stall 200ms probability 0.5 at purchase.write limit 1\"/>"), xml)
    }

    func testSecondsUseThreeDecimals() {
        XCTAssertEqual(JUnitReport.seconds(0), "0.000")
        XCTAssertEqual(JUnitReport.seconds(1_500_000), "0.002")
        XCTAssertEqual(JUnitReport.seconds(61_234_000_000), "61.234")
    }

    /// The schemas and the parser CI systems use accept it (../shared/tools/check-junit).
    func testValidAgainstJenkinsAndJUnit4SchemasAndJunitparser() throws {
        let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/tools/check-junit")
        guard FileManager.default.fileExists(atPath: checker.path) else {
            throw XCTSkip("../shared/tools/check-junit is not beside this checkout")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("junit-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: file) }
        try JUnitReport.xml([hostileReport()], hostname: "h").write(to: file, atomically: true, encoding: .utf8)
        let check = try runTool("/usr/bin/env", ["python3", checker.path, "--xsd", "jenkins", "--xsd", "junit4", file.path])
        let text = check.stdout + check.stderr
        // Exit 2 is check-junit's "a tool it needs is missing": say how to get it.
        if check.status == 2 {
            throw XCTSkip("check-junit cannot run here (pip install junitparser xmlschema): \(text)")
        }
        XCTAssertEqual(check.status, 0, text)
        XCTAssertTrue(text.contains("1 failed, 1 errored"), text)
    }
}
