import Foundation
import XCTest

/// Runs the built `ticketrush` binary (or `TICKETRUSH_BINARY`, to run this suite against
/// another build, such as the one before a fix), as Tests/TicketRushCLITests/CLI.swift does.
enum FaultCLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        if let given = ProcessInfo.processInfo.environment["TICKETRUSH_BINARY"] { return URL(fileURLWithPath: given) }
        let bundle = Bundle(for: Marker.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .map { $0.appendingPathComponent("ticketrush") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    private final class Marker {}

    /// How long a loader attack may run before the test calls it a hang: generous, since
    /// this is a bound on a bug, not a measurement (TICKETRUSH_ATTACK_TIMEOUT overrides).
    static var attackTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["TICKETRUSH_ATTACK_TIMEOUT"].flatMap(TimeInterval.init) ?? 300
    }

    /// Runs `ticketrush ARGS` in `directory` with `stdin` (default /dev/null); a hang past
    /// `timeout` fails the test (a generous bound, not a measurement).
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, stdin: FileHandle? = nil, timeout: TimeInterval = 120) throws -> Result {
        let process = try start(args, in: directory, stdin: stdin)
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning && Date() < deadline { usleep(10_000) }
        if process.process.isRunning {
            process.process.terminate()
            XCTFail("ticketrush \(args.joined(separator: " ")) did not finish within \(timeout) s")
        }
        return process.finish()
    }

    final class Running {
        let process: Process
        let scratch: URL
        init(process: Process, scratch: URL) {
            self.process = process
            self.scratch = scratch
        }

        func finish() -> Result {
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(at: scratch) }
            return Result(status: process.terminationStatus,
                          stdout: (try? String(contentsOf: scratch.appendingPathComponent("stdout"), encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: scratch.appendingPathComponent("stderr"), encoding: .utf8)) ?? "")
        }
    }

    /// Starts `ticketrush ARGS`; output goes to files, never pipes.
    static func start(_ args: [String], in directory: URL? = nil, stdin: FileHandle? = nil) throws -> Running {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        if let directory { process.currentDirectoryURL = directory }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        return Running(process: process, scratch: scratch)
    }

    /// Fails the test, with everything the run printed, unless it exited 0.
    static func expectSuccess(_ r: Result, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)", file: file, line: line)
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    @discardableResult
    static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Mounts a tmpfs of `size` at `folder` (unmounted at teardown); skips the test, saying
    /// so, where mounting is not permitted.
    static func mountTmpfs(at folder: URL, size: String, _ test: XCTestCase) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder.path]
        mount.standardOutput = FileHandle.nullDevice
        mount.standardError = FileHandle.nullDevice
        do { try mount.run() } catch { throw XCTSkip("cannot run mount: \(error); skipping the full-disk case") }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            throw XCTSkip("mount -t tmpfs is not permitted here (not root, or no CAP_SYS_ADMIN); skipping the full-disk case")
        }
        test.addTeardownBlock {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = ["-l", folder.path]
            try? umount.run()
            umount.waitUntilExit()
        }
    }
}
