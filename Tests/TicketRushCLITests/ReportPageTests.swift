import Foundation
import TicketRushTestSupport
import XCTest

/// The report people look at (issue 23), rendered by headless Chromium: a deep link opens
/// and lays out what it points at, a categorical axis is a dot plot whose legend is HTML
/// (it wraps: no label is cut), and alike unmet entries are one entry ×N. Only what no
/// scheduler can change is checked: the kill is at a step, the charts exist whatever the rates.
final class ReportPageTests: XCTestCase {
    private func browser() throws -> String {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let b = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed (apt-get install chromium)")
        }
        return b
    }

    private func report() throws -> URL {
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
            ---
            name: modes
            tickets: 1
            buyers: 2
            delays: {write: 1ms}
            trials: 2
            seed: 4
            thresholds: {latency.max: "< 1ns"}
            matrix:
              storage.write: [in-place, atomic]
              buyers.count: [2, 3]
              lock.mode: [none, flock]

            """, to: "s.yaml", in: dir)
        let out = dir.appendingPathComponent("r")
        let r = try CLI.run(["run", file, "--reports", out.path, "--work", dir.appendingPathComponent("w").path, "--quiet"])
        XCTAssertEqual(r.status, 1, "no purchase takes under 1ns: \(r.stdout)\(r.stderr)")
        return out.appendingPathComponent("index.html")
    }

    private func render(_ url: String, profile: URL) throws -> String {
        let r = try runTool(try browser(), ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                            "--user-data-dir=\(profile.path)", "--dump-dom", url], timeout: 90)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func testDeepLinkOpensItsTargetAndLaysThePageOut() throws {
        let page = try report()
        let profile = page.deletingLastPathComponent().appendingPathComponent("profile")
        // killed is the first cell: its expected violation's timeline is collapsed under #t0.
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains("<details class=\"cellsec\" id=\"t0\""), "the collapsed timeline exists")
        let dom = try render(page.absoluteString + "#t0", profile: profile)
        XCTAssertNotNil(dom.range(of: #"<details class="cellsec" id="t0"[^>]*open"#, options: .regularExpression),
                        "the link opened its collapsed section: \(dom.prefix(3000))")
        XCTAssertFalse(dom.contains("class=\"cv\"") || dom.contains(" cv\""), "every part is laid out before the jump")
        XCTAssertTrue(dom.contains("<h3>killed — trial 1</h3>"))
        // Without a fragment nothing is opened and the page keeps its lazy layout.
        let plain = try render(page.absoluteString, profile: profile)
        XCTAssertNil(plain.range(of: #"<details class="cellsec" id="t0"[^>]*open"#, options: .regularExpression))
        XCTAssertTrue(plain.contains("class=\"cv\""))
    }

    func testCategoricalAxisIsADotPlotWithAFullLegendAndAlikeEntriesAreGrouped() throws {
        let page = try report()
        let dom = try render(page.absoluteString, profile: page.deletingLastPathComponent().appendingPathComponent("profile"))
        // storage.write is categorical: its chart has dots and intervals, no line between categories.
        let chart = try XCTUnwrap(dom.range(of: "against storage.write</h3>"), "the rate chart over storage.write")
        let body = dom[chart.upperBound...]
        let end = try XCTUnwrap(body.range(of: "</ul>"))
        let one = body[..<end.upperBound]
        XCTAssertFalse(one.contains("<polyline"), String(one))
        XCTAssertTrue(one.contains("<circle"), String(one))
        // The legend is HTML list items holding each series' whole label.
        for series in ["buyers.count=2, lock.mode=none", "buyers.count=3, lock.mode=flock"] {
            XCTAssertTrue(one.contains("</i>\(series)</li>"), "legend entry \(series): \(one)")
        }
        // Eight cells miss the same threshold by different amounts: one entry ×8.
        XCTAssertTrue(dom.contains("×8</b>"), dom)
        XCTAssertTrue(dom.contains("the same in 8 cells: "), dom)
        // The first screen: the verdict, the entries, then the matrix of all nine cells.
        let verdict = try XCTUnwrap(dom.range(of: "FAILED: ")), matrix = try XCTUnwrap(dom.range(of: "<h2>Cells</h2>"))
        let table = try XCTUnwrap(dom.range(of: "<table id=\"cells\""))
        XCTAssertLessThan(verdict.lowerBound, matrix.lowerBound)
        XCTAssertLessThan(matrix.lowerBound, table.lowerBound)
        // A plain cell is an HTML square, a sweep's cells are the squares of its SVG grid.
        XCTAssertEqual(dom.components(separatedBy: "<a class=\"m ").count - 1, 1, "killed")
        XCTAssertEqual(dom.components(separatedBy: "<rect class=\"").count - 1, 8, "one square per sweep cell")
    }
}
