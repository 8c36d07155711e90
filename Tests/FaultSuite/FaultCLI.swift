import Foundation
import TicketRushTestSupport
import XCTest

/// The fault suite's short names for TicketRushTestSupport: the same runner of the binary
/// (or of `TICKETRUSH_BINARY`, to run this suite against another build, such as the release
/// one or the one before a fix) as Tests/TicketRushCLITests, with the same isolation: a
/// scratch working folder, --reports and --work unless the test names its own.
enum FaultCLI {
    typealias Result = CommandResult
    typealias Running = TicketRushBinary.Running

    static var binary: URL { TicketRushBinary.path }

    /// How long a loader attack may run before the test calls it a hang: generous, since
    /// this is a bound on a bug, not a measurement (TICKETRUSH_ATTACK_TIMEOUT overrides).
    static var attackTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["TICKETRUSH_ATTACK_TIMEOUT"].flatMap(TimeInterval.init) ?? 300
    }

    /// Runs `ticketrush ARGS` in `directory` with `stdin` (default /dev/null); a hang past
    /// `timeout` fails the test (a generous bound, not a measurement).
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, stdin: String = "/dev/null", timeout: TimeInterval = 120,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        try TicketRushBinary.run(args, in: directory, stdin: stdin, timeout: timeout, file: file, line: line)
    }

    /// Starts `ticketrush ARGS`; `finish()` waits for it. Killed at the test's end if still running.
    static func start(_ args: [String], in directory: URL? = nil, _ test: XCTestCase) throws -> Running {
        let running = try TicketRushBinary.start(args, in: directory)
        test.addTeardownBlock { running.kill() }
        return running
    }

    /// Fails the test, with everything the run printed, unless it exited 0.
    static func expectSuccess(_ r: Result, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)", file: file, line: line)
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL { try TestFiles.temporaryFolder(test, prefix: "ticketrush-fault") }

    @discardableResult
    static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        try TestFiles.write(text, to: name, in: folder)
    }

    static var repositoryRoot: URL { TestFiles.repositoryRoot }

    /// Mounts a tmpfs of `size` at `folder` (unmounted at teardown); skips the test, saying
    /// so, where mounting is not permitted.
    static func mountTmpfs(at folder: URL, size: String, _ test: XCTestCase) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mount: (status: Int32, stdout: String, stderr: String)
        do { mount = try runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder.path]) } catch {
            throw XCTSkip("cannot run mount: \(error); skipping the full-disk case")
        }
        guard mount.status == 0 else {
            throw XCTSkip("mount -t tmpfs is not permitted here (not root, or no CAP_SYS_ADMIN); skipping the full-disk case")
        }
        test.addTeardownBlock { _ = try? runTool("/bin/umount", ["-l", folder.path]) }
    }
}
