import Foundation
import XCTest

/// issue 19 item 12 through the binary: a scenario in a folder named `d$(touch PWNED)`
/// does not run that command, and its {dir} still names the folder.
final class PlaceholderQuotingCLITests: XCTestCase {
    func testAFolderNameIsNotRunAsCode() throws {
        let root = try CLI.temporaryFolder(self)
        let dir = root.appendingPathComponent("d$(touch PWNED)")
        let file = try CLI.write("""
            name: quoted
            tickets: 1
            buyers: {count: 2, command: [sh, -c, "test -f {dir}/s.yaml && echo ok > ran-{n}"]}
            outcomes: {bought: '^never$'}
            invariants: [no-oversell]
            timeout: 20s
            """, to: "s.yaml", in: dir)
        let work = root.appendingPathComponent("work")
        let r = try CLI.run(["run", file, "--work", work.path, "--reports", root.appendingPathComponent("r").path], in: root, timeout: 120)
        XCTAssertNotEqual(r.status, 2, r.stderr)
        let files = FileManager.default.enumerator(atPath: work.path)?.compactMap { $0 as? String } ?? []
        XCTAssertFalse(files.contains { $0.hasSuffix("PWNED") }, "the folder name ran as code: \(files)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("PWNED").path))
        XCTAssertTrue(files.contains { $0.hasSuffix("ran-1") }, "{dir} must still name the folder: \(files)\n\(r.stdout)\(r.stderr)")

        let refused = try CLI.write("name: r\ntickets: 1\nbuyers: {count: 1, command: [sh, -c, \"cat $(echo {dir})/s.yaml\"]}\n", to: "r.yaml", in: dir)
        let no = try CLI.run(["run", refused, "--reports", root.appendingPathComponent("r2").path], in: root)
        XCTAssertEqual(no.status, 2, no.stderr)
        XCTAssertTrue(no.stderr.contains("r.yaml:3:"), no.stderr)
        XCTAssertTrue(no.stderr.contains("\"$TICKETRUSH_DIR\""), no.stderr)
    }
}
