import Foundation

/// One process started with posix_spawn and waited for with waitpid, never Foundation's
/// Process (which learns of an exit from a descriptor the child inherits, so an orphan
/// holding it would hide the exit). Output goes to files, never pipes, so a chatty child
/// cannot block. Every process gets `TRTEST_MARKER` in its environment, inherited by all
/// it starts, so `ProcessTable.marked(_:)` finds whatever of it outlives the test.
public final class Spawned {
    /// The environment variable that marks every process a test starts (and their descendants).
    public static let markerName = "TRTEST_MARKER"

    public let pid: pid_t
    public let out: URL
    public let err: URL
    public let marker: String
    public let command: String
    public private(set) var status: Int32?

    /// Runs `path ARGS` in `dir` (its working folder; its output files go there too unless
    /// `stdout`/`stderr` name others), with the test's environment plus `env`, minus `unset`.
    public init(_ path: String, _ args: [String], env: [String: String] = [:], unset: [String] = [], dir: URL,
                stdin: String = "/dev/null", stdout: String? = nil, stderr: String? = nil, outputIn outputDir: URL? = nil) throws {
        let outputs = outputDir ?? dir
        out = outputs.appendingPathComponent("out-\(UUID().uuidString)")
        err = outputs.appendingPathComponent("err-\(UUID().uuidString)")
        marker = UUID().uuidString
        command = ([path] + args).joined(separator: " ")
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, stdout ?? out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fa, 2, stderr ?? err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard addChdir(&fa, dir.path) == 0 else { throw TestProcessError.cannotStart(command, "cannot chdir to \(dir.path)") }
        var environment = ProcessInfo.processInfo.environment
        for name in unset { environment[name] = nil }
        for (k, v) in env { environment[k] = v }
        environment[Self.markerName] = marker
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &fa, nil, argv, envp)
        guard rc == 0 else { throw TestProcessError.cannotStart(command, String(cString: strerror(rc))) }
        self.pid = pid
    }

    /// True while the process has not exited (reaps it when it has).
    public var isRunning: Bool {
        if status != nil { return false }
        var st: Int32 = 0
        if waitpid(pid, &st, WNOHANG) == pid { status = st; return false }
        return true
    }

    /// Exit code, or 128 + signal; -1 while it runs.
    public var exitCode: Int32 {
        guard let st = status else { return -1 }
        return st & 0x7f == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
    }

    /// Waits up to `seconds`; kills it (SIGKILL) if it still runs then. Returns whether it exited alone.
    @discardableResult
    public func wait(_ seconds: Double) -> Bool {
        if poll(within: seconds, { !self.isRunning }) { return true }
        kill(pid, SIGKILL)
        kill(pid, SIGCONT)
        var st: Int32 = 0
        if waitpid(pid, &st, 0) == pid { status = st }
        return false
    }

    /// Waits up to `seconds`; past that kills it and throws, with what it printed.
    public func finish(within seconds: Double) throws {
        if !wait(seconds) { throw TestProcessError.timedOut(command, seconds, output) }
    }

    public func signal(_ sig: Int32) { if isRunning { kill(pid, sig) } }

    public var standardOutput: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
    public var output: String { standardOutput + standardError }
}

/// glibc's posix_spawn_file_actions_addchdir_np (2.29+), which Swift's Glibc module does not
/// import: looked up once at run time (RTLD_DEFAULT is the null handle).
private let addChdir: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32 = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else {
        fatalError("glibc 2.29 or later is needed (posix_spawn_file_actions_addchdir_np)")
    }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)
}()

public enum TestProcessError: Error, CustomStringConvertible {
    case cannotStart(String, String)
    case timedOut(String, Double, String)

    public var description: String {
        switch self {
        case .cannotStart(let command, let reason): "cannot start \(command): \(reason)"
        case .timedOut(let command, let seconds, let output): "\(command) did not finish within \(seconds) s (killed); it printed:\n\(output)"
        }
    }
}

/// Polls `condition` every 10 ms until it holds (true) or `seconds` pass (false): the one
/// way tests wait for an observable state instead of sleeping.
@discardableResult
public func poll(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if condition() { return true }
        if Date() >= deadline { return condition() }
        usleep(10_000)
    }
}

/// Runs a helper tool (a compiler, a browser, a checker) to the end: its status and output.
@discardableResult
public func runTool(_ path: String, _ args: [String], in dir: URL? = nil, env: [String: String] = [:],
                    stdin: String = "/dev/null", timeout: Double = 120) throws -> (status: Int32, stdout: String, stderr: String) {
    let scratch = try Scratch(prefix: "ticketrush-tool")
    defer { scratch.remove() }
    let p = try Spawned(path, args, env: env, dir: dir ?? scratch.cwd, stdin: stdin, outputIn: scratch.root)
    try p.finish(within: timeout)
    return (p.exitCode, p.standardOutput, p.standardError)
}
