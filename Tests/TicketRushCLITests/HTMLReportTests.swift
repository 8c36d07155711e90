import Foundation
import TicketRushTestSupport
import XCTest

/// reports/index.html is one self-contained file, and a real browser renders it.
final class HTMLReportTests: XCTestCase {
    private func makeReport() throws -> URL {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", "\(CLI.repositoryRoot.path)/scenarios/sweep-locks.yaml", "--trials", "3", "--reports", reports.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        return reports.appendingPathComponent("index.html")
    }

    func testSelfContainedWithChartsAndTimelines() throws {
        let html = try String(contentsOf: try makeReport(), encoding: .utf8)
        // Inline script (the filter box) and in-page links (#c3) load nothing; anything else would.
        for banned in ["<script src", "src=", "href=\"http", "href=\"//", "@import", "url(", "<link"] {
            XCTAssertFalse(html.contains(banned), "index.html must not load anything: found \(banned)")
        }
        XCTAssertEqual(html.components(separatedBy: "http").count - 1, html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1,
                       "the only URLs are SVG namespaces")
        XCTAssertTrue(html.contains("Violation rate of no-oversell against buyers.count"))
        XCTAssertTrue(html.contains("lock.mode=none"))
        XCTAssertTrue(html.contains("lock.mode=flock"))
        XCTAssertTrue(html.contains("<h3>sweep-locks[lock.mode=none,buyers.count=10] — trial"), "timeline of the first failing trial")
        XCTAssertTrue(html.contains("(racing)"), "racing reads and writes are marked")
        XCTAssertFalse(html.contains("<h3>sweep-locks[lock.mode=flock"), "no timeline for a cell that never failed")
        XCTAssertTrue(html.contains("Purchase latency"))
    }

    /// Debian's chromium, headless: the page parses and lays out with its SVG. Skips only
    /// when no chromium is installed (`apt-get install chromium`).
    func testRendersInHeadlessChromium() throws {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let browser = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed")
        }
        let page = try makeReport()
        let shot = page.deletingLastPathComponent().appendingPathComponent("shot.png")
        for args in [["--dump-dom", page.absoluteString], ["--screenshot=\(shot.path)", "--window-size=1200,2400", page.absoluteString]] {
            let chromium = try runTool(browser, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                                 "--user-data-dir=\(page.deletingLastPathComponent().appendingPathComponent("profile").path)"] + args,
                                       timeout: 90)
            XCTAssertEqual(chromium.status, 0, "chromium \(args[0])")
            if args[0] == "--dump-dom" {
                let dom = chromium.stdout
                XCTAssertTrue(dom.contains("<svg"), "the browser's DOM has the charts")
                XCTAssertTrue(dom.contains("expectations met"))
                XCTAssertGreaterThan(dom.components(separatedBy: "<polyline").count, 2)
            }
        }
        let png = try Data(contentsOf: shot)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG screenshot")
        XCTAssertGreaterThan(png.count, 20_000, "the screenshot is not blank")
    }
}
