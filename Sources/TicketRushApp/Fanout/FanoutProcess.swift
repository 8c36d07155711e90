#if canImport(Glibc)
import Glibc
#endif
import TicketRushProcess

/// The processes `fanout` starts: local shards (their output to a log file) and the engine's
/// tools (`sbatch`, `squeue`, `kubectl`: their output read back). Forked by `Spawn.child`, each
/// with the fan-out's death signal, so none outlives it.
enum FanoutProcess {
    /// A started shard; `wait` says whether it has ended.
    struct Handle {
        var pid: pid_t
    }

    /// argv and envp made before the fork (the child allocates nothing).
    private static func withC<T>(_ argv: [String], _ env: [String: String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>, UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        var args: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var envs: [UnsafeMutablePointer<CChar>?] = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (args + envs).forEach { free($0) } }
        return args.withUnsafeMutableBufferPointer { a in
            envs.withUnsafeMutableBufferPointer { e in body(UnsafePointer(a.baseAddress!), UnsafePointer(e.baseAddress!)) }
        }
    }

    /// Starts `argv` with stdout and stderr appended to `log`, in its own process group.
    static func start(_ argv: [String], env: [String: String], log: String) throws(Stop) -> Handle {
        let fd: Int32
        do { fd = try Sys.open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644) } catch {
            throw .error("fanout: cannot open \(log): \(error)", code: 3)
        }
        defer { _ = Sys.close(fd) }
        let parent = getpid()
        let pid: pid_t? = withC(argv, env) { a, e in
            try? Spawn.child(dieWith: parent, group: 0, keep: nil) {
                _ = Spawn.exec(program: a, environment: e, out: fd, err: fd, events: -1, gate: -1)
                _exit(127)
            }
        }
        guard let pid else { throw .error("fanout: cannot fork to start \(argv[0])", code: 3) }
        return Handle(pid: pid)
    }

    /// nil while it runs; its wait status once it ended (reaped).
    static func ended(_ h: Handle) -> WaitStatus? {
        guard let r = try? Sys.wait(h.pid, options: WNOHANG), r.pid == h.pid else { return nil }
        return r.status
    }

    /// Kills a shard's process group and reaps it.
    static func kill(_ h: Handle) {
        _ = Sys.killGroup(h.pid, SIGKILL)
        _ = try? Sys.wait(h.pid)
    }

    /// Runs a tool to its end: its exit status (127: not found) and what it printed (stdout, stderr).
    static func output(_ argv: [String], env: [String: String]) -> (status: Int32, out: String, err: String) {
        guard let out = try? Sys.pipe(), let err = try? Sys.pipe() else { return (126, "", "cannot make a pipe") }
        let parent = getpid()
        let pid: pid_t? = withC(argv, env) { a, e in
            try? Spawn.child(dieWith: parent, group: nil, keep: nil) {
                _ = Spawn.exec(program: a, environment: e, out: out.write, err: err.write, events: -1, gate: -1)
                _exit(127)
            }
        }
        _ = Sys.close(out.write)
        _ = Sys.close(err.write)
        defer {
            _ = Sys.close(out.read)
            _ = Sys.close(err.read)
        }
        guard let pid else { return (126, "", "cannot fork") }
        let (o, e) = drain(out.read, err.read)
        let status = (try? Sys.wait(pid))?.status
        let code = status.map { $0.signal != 0 ? 128 + $0.signal : $0.exitCode } ?? 126
        return (code, o, e)
    }

    /// Both pipes to EOF, polled together so neither fills while the other is read.
    private static func drain(_ a: Int32, _ b: Int32) -> (String, String) {
        var bytes: [[UInt8]] = [[], []]
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var open = 2
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open > 0 {
            let ready = fds.withUnsafeMutableBufferPointer { (try? Sys.poll($0, timeoutMs: 30_000)) ?? -1 }
            if ready <= 0 { break }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { (try? Sys.read(fds[i].fd, $0.baseAddress!, $0.count)) ?? 0 }
                if n > 0 { bytes[i] += buffer[..<n] } else { fds[i].fd = -1; open -= 1 }
            }
        }
        return (String(decoding: bytes[0], as: UTF8.self), String(decoding: bytes[1], as: UTF8.self))
    }

    /// Whether `name` is an executable on `PATH` (or a path to one).
    static func exists(_ name: String, path: String?) -> Bool {
        if name.contains("/") { return access(name, X_OK) == 0 }
        return (path ?? "/usr/bin:/bin").split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
    }
}
