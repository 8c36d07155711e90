import Foundation
import XCTest

/// The HTML report at suite scale: verdict and unmet expectations first, linking to their
/// cells; heat-maps with the Wilson interval in each square's tooltip; expected violations
/// collapsed; a filter box; fault marks on timelines; a font stack that covers CJK names.
/// Assertions hold whatever the scheduler does: `none` may or may not race in a given trial,
/// so only the page's structure is checked, plus what `flock` and a kill fix.
final class HTMLScaleTests: XCTestCase {
    func testTheTopListsUnmetExpectationsAndSweepsAreHeatMaps() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: grid
            tickets: 1
            buyers: {count: 2, name: "路人{n}"}
            delays: {write: 1ms}
            trials: 2
            seed: 4
            thresholds: {latency.max: "< 1ns"}
            matrix:
              lock.mode: [none, flock]
              buyers.count: [2, 3]

            """, to: "grid.yaml", in: dir)
        let out = dir.appendingPathComponent("r").path
        let r = try CLI.run(["run", file, "--reports", out, "--work", dir.appendingPathComponent("w").path, "--quiet"])
        XCTAssertEqual(r.status, 1, "no purchase takes under 1ns: \(r.stdout)\(r.stderr)")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        let verdict = try XCTUnwrap(html.range(of: "FAILED: "))
        let unmet = try XCTUnwrap(html.range(of: "<h2>Unmet expectations ("))
        let table = try XCTUnwrap(html.range(of: "<table id=\"cells\""))
        XCTAssertLessThan(verdict.lowerBound, unmet.lowerBound)
        XCTAssertLessThan(unmet.lowerBound, table.lowerBound, "unmet expectations come before the table")
        // The four cells' entries differ only in their numbers: one entry ×4, each cell linked by what sets it apart.
        XCTAssertTrue(html.contains("×4</b> <a href=\"#c0\">grid[lock.mode=none,buyers.count=2]</a> :: threshold latency.max &lt; 1ns"), html)
        XCTAssertTrue(html.contains("<a href=\"#c2\" title=\"grid[lock.mode=flock,buyers.count=2]\">lock.mode=flock,buyers.count=2</a>"), html)
        XCTAssertTrue(html.contains("<tr id=\"c2\" data-name=\"grid[lock.mode=flock,buyers.count=2]\">"))
        // Heat-maps: one square per cell, its interval in the tooltip.
        XCTAssertTrue(html.contains("buyers.count →"))
        XCTAssertTrue(html.contains("<title>grid[lock.mode=flock,buyers.count=3]: 0 in 2 trials: rate below"), "flock never oversells")
        XCTAssertTrue(html.contains("<input id=\"filter\""))
        XCTAssertTrue(html.contains("document.getElementById('filter')"))
        XCTAssertTrue(html.contains("'Noto Sans CJK SC'"), "a font stack that covers the Chinese buyer names")
        XCTAssertFalse(html.contains("<script src"), "nothing fetched")
    }

    func testExpectedViolationsAreCollapsedAndKillsAreMarked() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: killed
            tickets: 1
            buyers: 3
            lock: {mode: flock, scope: task}
            trials: 1
            seed: 5
            faults:
              - kill: {buyers: [1], at: lock.acquired}
            expect: {all-finished: violated}

            """, to: "killed.yaml", in: dir)
        let out = dir.appendingPathComponent("r").path
        let r = try CLI.run(["run", file, "--reports", out, "--work", dir.appendingPathComponent("w").path, "--quiet"])
        XCTAssertEqual(r.status, 0, "a killed buyer never finishes; flock recovers: \(r.stdout)\(r.stderr)")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<details class=\"cellsec\" id=\"t0\" data-name=\"killed\"><summary>killed: expected violation seen in trial 1</summary>"), html)
        XCTAssertTrue(html.contains(">✕<title>killed at "), "the kill is marked on the victim's lane")
        XCTAssertTrue(html.contains("PASSED: "), html)
    }
}
