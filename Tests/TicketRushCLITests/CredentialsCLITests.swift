import Foundation
import XCTest

/// issue 19 item 13 through the binary: no report, and nothing printed, holds the password
/// of storage.url (the scenario fails to connect, or is skipped without libpq: either way
/// it is recorded).
final class CredentialsCLITests: XCTestCase {
    func testNoReportHoldsTheURLPassword() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try CLI.write("""
            name: remote
            tickets: 1
            buyers: 2
            storage: {kind: postgres, url: "postgres://alice:s3cr3tPW@127.0.0.1:1/tickets?password=s3cr3tPW"}
            lock: atomic
            timeout: 10s
            """, to: "remote.yaml", in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLI.run(["run", file, "--reports", reports.path, "--transcript"], timeout: 120)
        XCTAssertFalse(r.stdout.contains("s3cr3tPW"), r.stdout)
        XCTAssertFalse(r.stderr.contains("s3cr3tPW"), r.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: reports.path)
        XCTAssertTrue(names.contains("trials.json"), "\(names)\n\(r.stdout)\(r.stderr)")
        for name in names {
            let text = try String(contentsOf: reports.appendingPathComponent(name), encoding: .utf8)
            XCTAssertFalse(text.contains("s3cr3tPW"), "\(name) holds the password")
        }
        let trials = try String(contentsOf: reports.appendingPathComponent("trials.json"), encoding: .utf8)
        XCTAssertTrue(trials.contains("alice:***@127.0.0.1:1"), "the address stays, redacted")
        let show = try CLI.run(["show", file])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertFalse(show.stdout.contains("s3cr3tPW"), show.stdout)
        XCTAssertTrue(show.stdout.contains("alice:***@127.0.0.1:1"), show.stdout)
    }
}
