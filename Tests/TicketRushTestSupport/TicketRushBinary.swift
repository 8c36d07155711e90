import Foundation
import XCTest

/// What one invocation of the binary printed and how it ended.
public struct CommandResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// A scratch folder for one invocation: its default working folder, reports and work, and
/// its output files. Removed when the invocation ends.
public struct Scratch {
    public let root: URL
    public init(prefix: String = "ticketrush-cli") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
    }
    public var cwd: URL { root.appendingPathComponent("cwd") }
    public func remove() { try? FileManager.default.removeItem(at: root) }

    /// `args` with a scratch `--reports` for `run` and `merge`, and a scratch `--work` for
    /// `run`, where the test did not pass its own (as `--flag VALUE` or `--flag=VALUE`).
    public func isolated(_ args: [String]) -> [String] {
        guard let command = args.first, command == "run" || command == "merge" else { return args }
        func has(_ flag: String) -> Bool { args.contains { $0 == flag || $0.hasPrefix(flag + "=") } }
        var result = args
        if !has("--reports") { result += ["--reports", root.appendingPathComponent("reports").path] }
        if command == "run" && !has("--work") { result += ["--work", root.appendingPathComponent("work").path] }
        return result
    }
}

/// Runs the built `ticketrush` binary — the one way every end-to-end test target starts
/// it. Forking happens there, never inside the test process (which runs several threads).
///
/// Nothing a test runs may write into the checkout: every invocation runs in a scratch
/// working folder of its own (unless the test names one), and every `run` / `merge` gets
/// a scratch `--reports` (and `run` a scratch `--work`) unless the test passes its own.
public enum TicketRushBinary {
    /// `TICKETRUSH_BINARY` (to run the tests against another build, such as the release
    /// one or the one before a fix), else `ticketrush` beside the test bundle.
    public static var path: URL {
        if let given = ProcessInfo.processInfo.environment["TICKETRUSH_BINARY"], !given.isEmpty { return URL(fileURLWithPath: given) }
        let bundle = Bundle.main.bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .map { $0.appendingPathComponent("ticketrush") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// The sibling executable `name` (e.g. `ticketrush-engines`) of the binary in use.
    public static func sibling(_ name: String) -> URL {
        path.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// A started invocation: its process, and the scratch folder removed when it is finished.
    public final class Running {
        public let process: Spawned
        public let scratch: Scratch
        public let arguments: [String]
        private var finished: CommandResult?

        init(process: Spawned, scratch: Scratch, arguments: [String]) {
            self.process = process
            self.scratch = scratch
            self.arguments = arguments
        }

        public var pid: pid_t { process.pid }
        public var isRunning: Bool { process.isRunning }
        /// Everything the invocation printed so far (for polling "it said X").
        public var standardError: String { process.standardError }
        public var standardOutput: String { process.standardOutput }

        /// Waits for the exit (killing it and throwing past `timeout`), then removes the scratch
        /// folder. Fails the test when anything the run started outlives it: that holds for
        /// every run that ends by itself, whatever it was testing.
        @discardableResult
        public func finish(timeout: Double = 180, file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
            if let finished { return finished }
            defer { scratch.remove() }
            try process.finish(within: timeout)
            TicketRushBinary.assertNothingOutlives(process, file: file, line: line)
            let result = CommandResult(status: process.exitCode, stdout: process.standardOutput, stderr: process.standardError)
            finished = result
            return result
        }

        /// Kills whatever of the invocation still lives (marked processes included); for teardown.
        public func kill() {
            if process.isRunning { process.wait(0) }
            for p in ProcessTable.marked(process.marker) { Glibc.kill(p.pid, SIGKILL); Glibc.kill(p.pid, SIGCONT) }
            scratch.remove()
        }
    }

    /// Starts `ticketrush ARGS` (or `executable ARGS`: a copy of the binary) in `directory`
    /// (default: a scratch folder), with `env` added to and `unset` removed from the test's environment. With `terminal: true` it runs under
    /// script(1), so stdout and stderr are a terminal.
    public static func start(_ args: [String], in directory: URL? = nil, env: [String: String] = [:], unset: [String] = [],
                             stdin: String = "/dev/null", terminal: Bool = false, isolate: Bool = true,
                             executable: URL? = nil) throws -> Running {
        let path = executable ?? self.path
        let scratch = try Scratch()
        let args = isolate ? scratch.isolated(args) : args
        let process: Spawned
        if terminal {
            let quoted = ([path.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            process = try Spawned("/usr/bin/script", ["-qec", quoted, "/dev/null"], env: env, unset: unset,
                                  dir: directory ?? scratch.cwd, stdin: stdin, outputIn: scratch.root)
        } else {
            process = try Spawned(path.path, args, env: env, unset: unset, dir: directory ?? scratch.cwd, stdin: stdin, outputIn: scratch.root)
        }
        return Running(process: process, scratch: scratch, arguments: args)
    }

    /// Runs `ticketrush ARGS` to the end; a hang past `timeout` (a generous bound on a bug,
    /// not a measurement) kills it and throws, so the test fails with what it printed.
    @discardableResult
    public static func run(_ args: [String], in directory: URL? = nil, env: [String: String] = [:], unset: [String] = [],
                           stdin: String = "/dev/null", timeout: Double = 180, terminal: Bool = false,
                           executable: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let running = try start(args, in: directory, env: env, unset: unset, stdin: stdin, terminal: terminal, executable: executable)
        return try running.finish(timeout: timeout, file: file, line: line)
    }

    /// Starts `ticketrush ARGS`, waits until `ready()` holds (polled; at most `deadline`
    /// seconds), sends SIGINT and returns the exit status. Fails the test when the runner
    /// exits before it is ready, never becomes ready, or ignores the signal for 30 s; and
    /// when anything it started outlives it (`ProcessTable.marked`).
    public static func interrupt(_ args: [String], in directory: URL? = nil, deadline: Double = 60,
                                 file: StaticString = #filePath, line: UInt = #line, ready: () -> Bool) throws -> Int32 {
        let running = try start(args, in: directory)
        defer { running.kill() }
        let isReady = poll(within: deadline) { ready() || !running.isRunning }
        if !running.isRunning {
            let r = try running.finish()
            XCTFail("ticketrush exited \(r.status) before it was ready to interrupt: \(r.stdout)\(r.stderr)", file: file, line: line)
            return r.status
        }
        XCTAssertTrue(isReady, "ticketrush \(args.joined(separator: " ")) was not ready within \(deadline) s", file: file, line: line)
        running.process.signal(SIGINT)
        return try running.finish(timeout: 30, file: file, line: line).status
    }

    /// Fails the test when any process `process` started (found by its marker, whatever its
    /// ancestry) is still alive `seconds` after it ended; kills those it finds.
    public static func assertNothingOutlives(_ process: Spawned, within seconds: Double = 10,
                                             file: StaticString = #filePath, line: UInt = #line) {
        var left: [ProcessTable.Entry] = []
        let clean = poll(within: seconds) {
            left = ProcessTable.marked(process.marker).filter { $0.pid != process.pid || process.isRunning }
            return left.isEmpty
        }
        XCTAssertTrue(clean, "processes outlived \(process.command): \(left)", file: file, line: line)
        for p in left { kill(p.pid, SIGKILL); kill(p.pid, SIGCONT) }
    }
}

/// Files for tests: temporary folders removed at teardown, and files written into them.
public enum TestFiles {
    /// A fresh temporary folder, removed when the test ends.
    public static func temporaryFolder(_ test: XCTestCase, prefix: String = "ticketrush-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `text` to `name` in `folder` (creating folders) and returns its path.
    @discardableResult
    public static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The repository root (for shipped scenarios, docs and ../shared).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
