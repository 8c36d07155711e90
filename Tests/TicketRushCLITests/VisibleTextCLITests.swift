import Foundation
import TicketRushTestSupport
import XCTest

/// issue 19 item 15 through the binary: a read-only reports folder names the real cause,
/// and a bidi control in a scenario's names reaches neither the terminal nor index.html.
final class VisibleTextCLITests: XCTestCase {
    func testAReadOnlyReportsFolderSaysPermissionDenied() throws {
        let dir = try CLI.temporaryFolder(self)
        chmod(dir.path, 0o755)
        let file = try CLI.write("name: s\ntickets: 1\nbuyers: 2\n", to: "s.yaml", in: dir)
        let ro = dir.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: ro, withIntermediateDirectories: true)
        chmod(ro.path, 0o555)
        let args = ["run", file, "--reports", ro.path]
        if getuid() == 0 {
            // Root writes anywhere: run as nobody, for whom the folder is read-only.
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("root without setpriv") }
            let p = try Spawned("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path] + args, dir: dir)
            try p.finish(within: 120)
            let stderr = p.standardError
            XCTAssertEqual(p.exitCode, 3, stderr)
            XCTAssertTrue(stderr.contains("cannot create the run lock \(ro.path)/.ticketrush.lock: Permission denied"), stderr)
            XCTAssertFalse(stderr.contains("No such file or directory"), stderr)
            return
        }
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("Permission denied"), r.stderr)
    }

    func testABidiControlInANameIsShownNotApplied() throws {
        let dir = try CLI.temporaryFolder(self)
        // Locked and written atomically: every default expectation holds whatever the timing.
        let file = try CLI.write("name: \"race\u{202E}gnp\"\ntickets: 1\nbuyers: {count: 2, name: \"b\u{2066}{n}\"}\nlock: flock\nstorage: {write: atomic}\n", to: "s.yaml", in: dir)
        let reports = dir.appendingPathComponent("r")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--transcript"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertFalse((r.stdout + r.stderr).unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x2066 }, r.stdout)
        XCTAssertTrue(r.stdout.contains("race\\u202egnp"), r.stdout)
        let html = try String(contentsOf: reports.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertFalse(html.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x2066 }, "index.html")
        XCTAssertTrue(html.contains("race\\u{202E}gnp"), "index.html")
    }
}
