import Foundation
import XCTest

/// Runs the built `ticketrush` binary: forking happens there, never inside the test
/// process (which already runs several threads).
///
/// Nothing a test runs may write into the checkout: every invocation runs in a scratch
/// folder of its own (unless the test names a folder), and every `run` / `merge` gets a
/// scratch `--reports` (and `run` a scratch `--work`) unless the test passes its own.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary next to the test bundle in the build folder.
    static var binary: URL {
        // The test bundle sits in the build folder (or is it, depending on the platform).
        let bundle = Bundle(for: Marker.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .map { $0.appendingPathComponent("ticketrush") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    private final class Marker {}

    /// A folder for one invocation's output files, default working folder, reports and work.
    private struct Scratch {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        }
        var cwd: URL { root.appendingPathComponent("cwd") }
        var stdout: URL { root.appendingPathComponent("stdout") }
        var stderr: URL { root.appendingPathComponent("stderr") }
        func remove() { try? FileManager.default.removeItem(at: root) }

        /// `args` with a scratch `--reports` for `run` and `merge`, and a scratch `--work`
        /// for `run`, where the test did not pass its own (as `--flag VALUE` or `--flag=VALUE`).
        func isolated(_ args: [String]) -> [String] {
            guard let command = args.first, command == "run" || command == "merge" else { return args }
            func has(_ flag: String) -> Bool { args.contains { $0 == flag || $0.hasPrefix(flag + "=") } }
            var result = args
            if !has("--reports") { result += ["--reports", root.appendingPathComponent("reports").path] }
            if command == "run" && !has("--work") { result += ["--work", root.appendingPathComponent("work").path] }
            return result
        }

        /// Files for the child's stdout and stderr: files, not pipes, so a chatty child can never block.
        func outputHandles() throws -> (FileHandle, FileHandle) {
            _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
            return (try FileHandle(forWritingTo: stdout), try FileHandle(forWritingTo: stderr))
        }

        func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
    }

    /// Runs `ticketrush ARGS` in `directory` (default: a scratch folder), with a hard timeout
    /// so a hang fails the test.
    /// With `shell: "/usr/bin/script"`, runs it under script(1) so stdout and stderr are a terminal.
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, timeout: TimeInterval = 180, shell: String? = nil) throws -> Result {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let args = scratch.isolated(args)
        let process = Process()
        if let shell {
            process.executableURL = URL(fileURLWithPath: shell)
            let quoted = ([binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            process.arguments = ["-qec", quoted, "/dev/null"]
        } else {
            process.executableURL = binary
            process.arguments = args
        }
        process.currentDirectoryURL = directory ?? scratch.cwd
        let (out, err) = try scratch.outputHandles()
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if !waitForExit(process, within: timeout) {
            process.terminate()
            XCTFail("ticketrush \(args.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: scratch.read(scratch.stdout), stderr: scratch.read(scratch.stderr))
    }

    /// Starts `ticketrush ARGS`, waits until `ready()` is true (polled; at most `deadline`
    /// seconds), sends SIGINT, and returns its exit status. Fails the test when the runner
    /// exits before it is ready, never becomes ready, or ignores the signal for 30 s.
    /// Pass `--work DIR` and `ready: { CLI.hasTrialFolder(in: DIR) }` to signal only once a
    /// trial has begun.
    static func interrupt(_ args: [String], deadline: TimeInterval = 30, ready: () -> Bool) throws -> Int32 {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let args = scratch.isolated(args)
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = scratch.cwd
        let (out, err) = try scratch.outputHandles()
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let isReady = poll(within: deadline) { ready() || !process.isRunning }
        if !process.isRunning {
            process.waitUntilExit()
            XCTFail("ticketrush exited \(process.terminationStatus) before it was ready to interrupt: \(scratch.read(scratch.stdout))\(scratch.read(scratch.stderr))")
            return process.terminationStatus
        }
        XCTAssertTrue(isReady, "ticketrush \(args.joined(separator: " ")) was not ready within \(deadline) s")
        process.interrupt()
        if !waitForExit(process, within: 30) {
            XCTFail("runner ignored SIGINT")
            process.terminate()
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// True once some `WORK/SCENARIO/trial-N` folder exists: the runner is inside a trial.
    static func hasTrialFolder(in work: URL) -> Bool {
        let fm = FileManager.default
        guard let scenarios = try? fm.contentsOfDirectory(atPath: work.path) else { return false }
        return scenarios.contains { scenario in
            ((try? fm.contentsOfDirectory(atPath: work.appendingPathComponent(scenario).path)) ?? []).contains { $0.hasPrefix("trial-") }
        }
    }

    /// Polls `condition` every 10 ms until it holds (true) or `seconds` pass (false).
    @discardableResult
    static func poll(within seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if condition() { return true }
            if Date() >= deadline { return false }
            usleep(10_000)
        }
    }

    /// Waits for `process` to exit; false when it still runs after `seconds`.
    static func waitForExit(_ process: Process, within seconds: TimeInterval) -> Bool {
        poll(within: seconds) { !process.isRunning }
    }

    /// True when some process still carries `text` on its command line (buyers and
    /// workers carry the runner's): what an interrupt must leave none of.
    static func processesRemain(matching text: String) throws -> Bool {
        let pgrep = Process()
        pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        pgrep.arguments = ["-f", text]
        pgrep.standardOutput = FileHandle.nullDevice
        try pgrep.run()
        pgrep.waitUntilExit()
        return pgrep.terminationStatus == 0
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `text` to `name` in `folder` and returns its path.
    @discardableResult
    static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The repository root (for shipped scenarios and ../shared).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

extension CLI {
    /// The capture groups of the first match of `pattern` in `text` (nil for a group that
    /// did not take part), or nil when nothing matches: for reading a number out of a line
    /// and asserting a bound on it rather than an exact racy value.
    static func captures(_ pattern: String, in text: String) -> [String?]? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let match = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (1..<match.numberOfRanges).map { i in Range(match.range(at: i), in: text).map { String(text[$0]) } }
    }

    /// The first capture group of `pattern` in `text` as an integer, or nil.
    static func number(_ pattern: String, in text: String) -> Int? {
        captures(pattern, in: text)?.first.flatMap { $0.flatMap { Int($0) } }
    }

    /// The most tickets one trial sold, from a summary line's "sold N of T" or "sold A–B of T".
    static func mostSold(scenario: String, in text: String) -> Int? {
        guard let groups = captures(#"  \#(NSRegularExpression.escapedPattern(for: scenario))  \d+ trials  sold (\d+)(?:–(\d+))? of \d+"#, in: text),
              let low = groups[0].flatMap({ Int($0) }) else { return nil }
        return groups[1].flatMap { Int($0) } ?? low
    }
}

extension CLI {
    /// Processes (pid: command line) whose working folder lies inside `work`: the programs
    /// a run started run in their trial folders, and so does everything they start.
    static func processes(inside work: URL) -> [String] {
        let prefix = work.resolvingSymlinksInPath().path + "/"
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid -> String? in
            guard Int(pid) != nil, let cwd = try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
                  (cwd + "/").hasPrefix(prefix) else { return nil }
            let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.replacingOccurrences(of: "\0", with: " ") ?? "?"
            return "\(pid): \(cmd)"
        }
    }
}
