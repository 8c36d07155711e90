import Foundation
import XCTest

/// The tutorial's two programs, run for real through the binary.
final class SeedScenarioTests: XCTestCase {
    func testRaceOversellsAndMutexHolds() throws {
        let dir = try CLI.temporaryFolder(self)
        let junit = dir.appendingPathComponent("junit.xml").path
        let root = CLI.repositoryRoot.path
        let result = try CLI.run(["run", "\(root)/scenarios/first/1-seed-race.yaml", "\(root)/scenarios/first/2-seed-mutex.yaml",
                                  "--junit", junit, "--reports", dir.appendingPathComponent("reports").path, "--trials", "5"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("PASS  seed-race"), result.stdout)
        // How many of the 10 buy depends on the scheduler; that some trial sold more than the
        // one ticket (no-oversell violated in ≥ 1 trial) is what PASS with expect violated means.
        let sold = try XCTUnwrap(CLI.mostSold(scenario: "seed-race", in: result.stdout), result.stdout)
        XCTAssertTrue((2...10).contains(sold), result.stdout)
        XCTAssertTrue(result.stdout.contains("PASS  seed-mutex  5 trials  sold 1 of 1"), result.stdout)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains("<testsuite name=\"seed-race\""))
        XCTAssertTrue(xml.contains("<property name=\"lock.mode\" value=\"flock\"/>"))
    }
}
