import Foundation
import TicketRushApp
import XCTest

/// Which files `--rerun-failed` may run when only a reports folder names them.
final class RerunTrustTests: XCTestCase {
    func testOnlyNamedFilesOrFilesUnderTheCurrentFolderOutsideTheReportsRun() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rerun-trust-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        for folder in ["here/scenarios", "here/reports", "elsewhere"] {
            try fm.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        for file in ["here/scenarios/a.yaml", "here/reports/planted.yaml", "elsewhere/b.yaml"] {
            XCTAssertTrue(fm.createFile(atPath: "\(root)/\(file)", contents: Data("name: x\n".utf8)))
        }
        // A link under the current folder to a file outside it is outside: links are resolved.
        try fm.createSymbolicLink(atPath: "\(root)/here/scenarios/link.yaml", withDestinationPath: "\(root)/elsewhere/b.yaml")
        let here = "\(root)/here"
        func untrusted(_ files: [String], named: [String] = ["scenarios"]) -> [String] {
            CISupport.untrustedFiles(files, named: named, reports: "reports", cwd: here)
        }
        XCTAssertEqual(untrusted(["scenarios/a.yaml", "\(here)/scenarios/a.yaml"]), [])
        XCTAssertEqual(untrusted(["\(root)/elsewhere/b.yaml"]), ["\(root)/elsewhere/b.yaml"])
        XCTAssertEqual(untrusted(["scenarios/../../elsewhere/b.yaml"]), ["scenarios/../../elsewhere/b.yaml"])
        XCTAssertEqual(untrusted(["scenarios/link.yaml"], named: []), ["scenarios/link.yaml"])
        XCTAssertEqual(untrusted(["reports/planted.yaml"]), ["reports/planted.yaml"])
        XCTAssertEqual(untrusted(["\(root)/missing/c.yaml"]), ["\(root)/missing/c.yaml"])
        // Named by the user (the file, or a folder holding it): it runs wherever it is.
        XCTAssertEqual(untrusted(["\(root)/elsewhere/b.yaml"], named: ["\(root)/elsewhere"]), [])
        XCTAssertEqual(untrusted(["reports/planted.yaml"], named: ["reports/planted.yaml"]), [])
        // A folder whose name starts like the current one's is not under it.
        try fm.createDirectory(atPath: "\(root)/here-not", withIntermediateDirectories: true)
        XCTAssertTrue(fm.createFile(atPath: "\(root)/here-not/d.yaml", contents: Data()))
        XCTAssertEqual(untrusted(["\(root)/here-not/d.yaml"]), ["\(root)/here-not/d.yaml"])
    }
}

/// Where realpath fails (a part is missing), the path is resolved as NSString.standardizingPath
/// did before issue 23 took NSString out: links on the way followed, `.` and `..` applied.
final class ResolvingLinksTests: XCTestCase {
    func testMissingPathsResolveAsStandardizingPathDid() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("resolve-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(root)/real/sub", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: "\(root)/abs", withDestinationPath: "\(root)/real")
        try fm.createSymbolicLink(atPath: "\(root)/rel", withDestinationPath: "real/sub")
        for path in ["\(root)/missing/x.yaml", "\(root)/abs/missing.yaml", "\(root)/rel/missing/y.yaml", "\(root)/abs/../missing",
                     "\(root)/./real//sub/./gone", "\(root)/rel/../../gone", "/nonexistent-\(UUID().uuidString)/a/../b"] {
            XCTAssertEqual(CISupport.resolvingLinks(path), (path as NSString).standardizingPath, path)
        }
    }
}
