#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushProcess
import TicketRushModel

/// Why a private server did not start: its own log lines are in the message.
public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    /// The signal that interrupted the run while a server was starting (the run exits 130).
    public var signal: Int32? = nil
}

/// A private server process the runner started in a short folder under $TMPDIR (or /tmp
/// when that is too deep: Unix socket paths are limited to 107 bytes). Stopped by `stop`,
/// which the run calls on every way out; a runner killed outright takes it down through
/// the server's parent-death signal, and the next run removes the folder (StaleFolders).
package final class ServerProcess {
    let name: String
    /// The runner's own folder `trdb.MACHINE-PID-START.XXXXXX` (its name says who made it).
    let top: String
    /// The server's folder inside it (`srv`), owned by the server's user: its socket, log and data.
    let dir: String
    var pids: [pid_t] = []
    /// Every private server's pid while it runs: a program trial's teardown spares them
    /// (`ProcessTree.spared`), the run stops them itself.
    nonisolated(unsafe) package static var running: Set<pid_t> = []

    /// The folder the servers' folders go in: $TMPDIR when a socket path there fits and
    /// the server's user (`owner`, when not the runner's) may pass through it; else /tmp.
    package static func base(owner: Int32? = nil) -> String {
        let tmp = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        var st = stat()
        guard tmp.hasPrefix("/"), tmp.utf8.count <= 40, stat(tmp, &st) == 0 else { return "/tmp" }
        return owner.map { st.st_mode & S_IXOTH != 0 || st.st_uid == uid_t($0) } ?? true ? tmp : "/tmp"
    }

    /// Fresh folders; `srv` is chowned to `owner` when given (postgres refuses root), and
    /// the runner's folder then lets it in (0711) without letting anyone list it.
    init(name: String, owner: (uid: Int32, gid: Int32)?) throws {
        self.name = name
        let base = Self.base(owner: owner?.uid)
        var template = Array("\(base)/trdb.\(RunOwner.stamp).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ServerError(description: "\(name): mkdtemp \(base)/trdb.*: \(String(cString: strerror(errno)))")
        }
        top = String(cString: made)
        dir = "\(top)/srv"
        guard mkdir(dir, 0o700) == 0, owner.map({ chmod(top, 0o711) == 0 && lchown(dir, uid_t($0.uid), gid_t($0.gid)) == 0 }) ?? true else {
            let e = errno
            FileTree.remove(top)
            throw ServerError(description: "\(name): mkdir \(dir): \(String(cString: strerror(e)))")
        }
    }

    var logPath: String { "\(dir)/server.log" }

    /// Starts `path ARGS` as `owner`, sent `deathSignal` if the runner dies; returns its pid.
    @discardableResult
    func spawn(_ path: String, _ args: [String], owner: (uid: Int32, gid: Int32)?, deathSignal: Int32 = SIGINT) throws -> pid_t {
        let pid: pid_t
        do {
            pid = try Spawn.server(path, arguments: args, logPath: logPath, owner: owner.map { (uid_t($0.uid), gid_t($0.gid)) },
                                   deathSignal: deathSignal)
        } catch {
            throw ServerError(description: "\(name): cannot start \(path): \(error.errno)")
        }
        pids.append(pid)
        Self.running.insert(pid)
        return pid
    }

    /// Waits for `pid` to exit (at most `seconds`); its status, or nil if it is still running.
    func wait(_ pid: pid_t, seconds: Double) -> Int32? {
        let until = MonotonicClock.now() + UInt64(seconds * 1e9)
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                pids.removeAll { $0 == pid }
                Self.running.remove(pid)
                return status
            }
            if r < 0 && errno != EINTR {
                pids.removeAll { $0 == pid }
                Self.running.remove(pid)
                return 0
            }
            if MonotonicClock.now() >= until { return nil }
            MonotonicClock.sleep(ns: 10_000_000)
        }
    }

    /// The server's log, last lines, for an error message.
    func logTail(_ lines: Int = 20) -> String {
        // In the server user's folder: never through a link, never blocking on a FIFO.
        let fd = open(logPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return "(no log)" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n").suffix(lines).map { "  | \($0)" }.joined(separator: "\n")
    }

    /// Stops every process (`signal`, then SIGKILL after 10 s, or 1 s once the run is
    /// interrupted), removes the shared memory a killed postmaster left, and the folders.
    /// SIGCONT to the server and its children (postgres' backends have sessions of their
    /// own): a stopped server wakes to act on the signal.
    func stop(signal: Int32) {
        let grace = tr_interrupted() != 0 ? 1.0 : 10.0
        for pid in pids {
            kill(pid, signal)
            for p in [pid] + ProcTable.descendants(of: pid, in: ProcTable.children()) { kill(p, SIGCONT) }
            if wait(pid, seconds: grace) == nil {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                _ = wait(pid, seconds: 5)
            }
            // Anything left in its session (postgres' backends exit with their postmaster).
            kill(-pid, SIGKILL)
        }
        pids = []
        SharedMemory.removeLeftOf(server: "\(dir)/pg", within: 5)
        FileTree.remove(top)
    }
}

/// The private servers of one run, started before the first trial and stopped at the end.
public final class EngineServers {
    private var servers: [StorageKind: any PrivateServer] = [:]
    public private(set) var endpoints: [StorageKind: EngineEndpoint] = [:]
    /// One line per server started: what and how long it took.
    public private(set) var startLines: [String] = []

    public init() {}

    /// Starts a private server for every server engine a scenario without `url` uses.
    public func start(for scenarios: [Scenario], buyers: Int) throws {
        let kinds = Set(scenarios.filter { $0.storage.kind.isServer && $0.storage.url == nil }.map(\.storage.kind))
        for kind in StorageKind.allCases where kinds.contains(kind) {
            let started = MonotonicClock.now()
            guard let type = EngineRegistry.server(kind) else { continue }
            let server = try type.init(buyers: buyers)
            servers[kind] = server
            let endpoint = try server.start()
            endpoints[kind] = endpoint
            let ns = MonotonicClock.now() - started
            startLines.append("\(kind.rawValue): private server at \(endpoint.location) started in \(formatMillis(ns)) (\(server.summary)); not counted in trial time")
        }
    }

    /// Stops every server started; safe to call more than once.
    public func stop() {
        for (_, s) in servers { s.stop() }
        servers = [:]
    }
}

package protocol PrivateServer: AnyObject, SendableMetatype {
    /// A server for a run of at most `buyers` buyers per trial.
    init(buyers: Int) throws
    /// Whether its binaries are on this machine.
    static var installed: Bool { get }
    func start() throws -> EngineEndpoint
    func stop()
    var summary: String { get }
}


/// Polls `ready` until it is true, the process exits, the run is interrupted or `seconds` pass.
func awaitReady(_ process: ServerProcess, pid: pid_t, seconds: Double, _ ready: () -> Bool) throws {
    let until = MonotonicClock.now() + UInt64(seconds * 1e9)
    while true {
        if tr_interrupted() != 0 { throw ServerError(description: "interrupted by signal \(tr_interrupted())", signal: tr_interrupted()) }
        if ready() { return }
        if let status = process.wait(pid, seconds: 0) {
            throw ServerError(description: "\(process.name) in \(process.dir) exited (status \(status)) before accepting connections; its log:\n\(process.logTail())")
        }
        if MonotonicClock.now() >= until {
            throw ServerError(description: "\(process.name) in \(process.dir) did not accept connections within \(Int(seconds))s; its log:\n\(process.logTail())")
        }
        MonotonicClock.sleep(ns: 20_000_000)
    }
}
