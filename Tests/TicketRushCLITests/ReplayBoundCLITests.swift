import Foundation
import XCTest

/// issue 19 items 5 and 15: a replay string's run-lengths are bounded before they are
/// expanded (a 26-byte string aborted allocating 800 GB), and a pasted line break in one is
/// not echoed raw.
final class ReplayBoundCLITests: XCTestCase {
    private func scenario(in dir: URL) throws -> String {
        try CLI.write("name: race\ntickets: 1\nbuyers: 2\nschedule: exhaustive\nseed: 1\n", to: "race.yaml", in: dir)
    }

    func testAHugeRunLengthIsRefusedWithExit2() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(in: dir)
        let reports = dir.appendingPathComponent("reports").path
        for run in ["99999999999", "999999999", "99999999999999999999999999"] {
            let r = try CLI.run(["run", file, "--reports", reports, "--schedule-replay", "S1.eff6a794.1~\(run)"], timeout: 60)
            XCTAssertEqual(r.status, 2, run + "\n" + r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("ticketrush: error: --schedule-replay: schedule string 'S1.eff6a794.1~\(run)', choice 1 (character 1 of '1~\(run)'): "), r.stderr)
            XCTAssertTrue(r.stderr.contains("more than one run of this scenario can grant"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: reports + "/junit.xml"), "refused before anything ran")
        }
        // A run-length the scenario can use still replays.
        let ok = try CLI.run(["run", file, "--reports", reports, "--schedule-replay", "S1.eff6a794.1~3"], timeout: 60)
        XCTAssertNotEqual(ok.status, 2, ok.stderr)
    }

    func testALineBreakInAReplayStringIsShownEscaped() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(in: dir)
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path,
                             "--schedule-replay", "S1.eff6a794.1\n::error::forged"], timeout: 60)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line, its break escaped: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("1\\u000a::error::forged"), r.stderr)
    }
}
