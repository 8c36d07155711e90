import Foundation
import TicketRushTestSupport
import XCTest

/// The report's font stack draws Chinese buyer names as glyphs, not as missing-glyph boxes.
final class CJKRenderTests: XCTestCase {
    /// Renders a report whose buyers are `路人1…3` and the same page with each of those two
    /// Chinese characters replaced by an unassigned code point (U+0378, U+0379: always
    /// drawn as boxes). Were the Chinese drawn as boxes too, the screenshots would be equal.
    func testChineseBuyerNamesAreDrawnAsGlyphs() throws {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let browser = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed (.ci/run installs it with apt)")
        }
        guard Self.hasCJKFont() else {
            throw XCTSkip("no font covers Chinese (fc-list :lang=zh is empty): install fonts-noto-cjk (.ci/run does)")
        }
        let dir = try CLI.temporaryFolder(self)
        // No lock and a search delay: every buyer reads the one ticket; the oversell is unmet,
        // so its timeline (the lanes named after the buyers) is drawn open.
        try CLI.write("""
            name: cjk
            tickets: 1
            buyers: {count: 3, name: "路人{n}"}
            delays: {search: 20ms, write: 5ms}
            trials: 3
            seed: 1
            invariants: [no-oversell]
            """, to: "cjk.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let run = try CLI.run(["run", "cjk.yaml", "--reports", reports.path, "--quiet"], in: dir)
        XCTAssertEqual(run.status, 1, "the race is expected to oversell: " + run.stdout + run.stderr)
        let html = try String(contentsOf: reports.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("路人1"), "the timeline names the buyers")

        let boxes = html.replacingOccurrences(of: "路", with: "\u{0378}").replacingOccurrences(of: "人", with: "\u{0379}")
        XCTAssertFalse(boxes.contains("路人"))
        let glyphPage = dir.appendingPathComponent("glyphs.html"), boxPage = dir.appendingPathComponent("boxes.html")
        try html.write(to: glyphPage, atomically: true, encoding: .utf8)
        try boxes.write(to: boxPage, atomically: true, encoding: .utf8)
        let glyphs = try screenshot(browser, glyphPage, in: dir)
        let drawnAsBoxes = try screenshot(browser, boxPage, in: dir)
        XCTAssertNotEqual(glyphs, drawnAsBoxes, "the Chinese names render exactly like unassigned code points: drawn as boxes")
    }

    private static func hasCJKFont() -> Bool {
        guard let fc = try? runTool("/usr/bin/env", ["fc-list", ":lang=zh", "family"]) else { return false }
        return fc.status == 0 && !fc.stdout.isEmpty
    }

    /// A headless chromium screenshot of `page`, as PNG bytes.
    private func screenshot(_ browser: String, _ page: URL, in dir: URL) throws -> Data {
        let shot = dir.appendingPathComponent(page.deletingPathExtension().lastPathComponent + ".png")
        let chromium = try runTool(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                                             "--screenshot=\(shot.path)", "--window-size=1200,1600", page.absoluteString], timeout: 90)
        XCTAssertEqual(chromium.status, 0, "chromium --screenshot \(page.lastPathComponent)")
        let png = try Data(contentsOf: shot)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG screenshot")
        return png
    }
}
