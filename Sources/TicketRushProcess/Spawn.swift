#if canImport(Glibc)
import Glibc
#endif

/// How every process of a run comes to exist: buyers, helper forkers, `--jobs` workers,
/// programs and private database servers. The only place outside `Sys` that forks.
public enum Spawn {
    /// Forks a child and runs `body` in it (never returns). In the child, before `body`:
    /// the death signal on `dieWith` (exit 3 when that parent is already gone), every
    /// descriptor but `keep` and 0–2 closed (nil: none closed, close-on-exec does it), and
    /// `group` joined (0: the child leads a new one; nil: the parent's). The parent sets the
    /// child's group too, so neither order of running can miss it. Allocates nothing.
    @inline(__always)
    public static func child(dieWith parent: pid_t?, group: pid_t?, keep: UnsafeBufferPointer<Int32>?,
                             _ body: () -> Never) throws(SyscallError) -> pid_t {
        let pid = try Sys.fork()
        if pid == 0 {
            if let parent, !Sys.dieWithParent(parent) { _exit(3) }
            if let keep { Sys.closeAll(except: keep) }
            if let group { Sys.setProcessGroup(0, group) }
            body()
        }
        if let group { Sys.setProcessGroup(pid, group == 0 ? pid : group) }
        return pid
    }

    /// In a forked child about to become the user's program: stdin from /dev/null, `out`
    /// and `err` as 1 and 2, `events` as 3 and `gate` as 4 (none when -1), every other
    /// descriptor closed, signals reset, then execvpe. Returns only on failure, with why;
    /// what to report then is the caller's (a protocol line on fd 3).
    public static func exec(program argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
                            environment envp: UnsafePointer<UnsafeMutablePointer<CChar>?>,
                            out: Int32, err: Int32, events: Int32, gate: Int32) -> Errno {
        // Every source above every target first, so no dup2 overwrites a source still needed.
        func high(_ fd: Int32) -> Int32 { fd >= 0 ? ((try? Sys.fcntl(fd, F_DUPFD, 10)) ?? -1) : -1 }
        let sources = (high(out), high(err), high(events), high(gate))
        if let null = try? Sys.open("/dev/null", O_RDONLY), null != 0 {
            try? Sys.dup2(null, 0)
            Sys.close(null)
        }
        if sources.0 >= 0 { try? Sys.dup2(sources.0, 1) }
        if sources.1 >= 0 { try? Sys.dup2(sources.1, 2) }
        if sources.2 >= 0 { try? Sys.dup2(sources.2, 3) }
        if sources.3 >= 0 { try? Sys.dup2(sources.3, 4) }
        Sys.closeRange(sources.3 >= 0 ? 5 : 4, Int32.max)
        Sys.resetAllSignals()
        return Sys.execvp(argv[0]!, argv, envp)
    }

    /// A private database server (docs/storage.md): its own session, stdin /dev/null,
    /// stdout and stderr appended to `logPath`, run as `owner` when given (postgres refuses
    /// root). The log is opened after the credentials change, as the server's user, never
    /// through a link: a fresh file (O_EXCL), or the one an earlier start in the same
    /// folder made (initdb, then postgres). Its death signal is `deathSignal`: SIGINT by
    /// default (postgres: fast shutdown; redis: shutdown; mariadbd ignores it and takes
    /// SIGKILL). Returns the pid; the child exits 126 when it cannot set itself up, 127
    /// when the exec fails.
    public static func server(_ path: String, arguments: [String], logPath: String,
                              owner: (uid: uid_t, gid: gid_t)?, deathSignal: Int32 = SIGINT) throws(SyscallError) -> pid_t {
        // Everything the child touches is made before the fork.
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let log = strdup(logPath)
        defer {
            for p in argv { free(p) }
            free(log)
        }
        let parent = getpid()
        return try argv.withUnsafeMutableBufferPointer { (args) throws(SyscallError) -> pid_t in
            let pid = try Sys.fork()
            guard pid == 0 else { return pid }
            Sys.resetAllSignals()
            _ = setsid()
            if let owner {
                if setgroups(0, nil) != 0 || setgid(owner.gid) != 0 || setuid(owner.uid) != 0 { _exit(126) }
            }
            guard let input = try? Sys.open("/dev/null", O_RDONLY | O_CLOEXEC), let output = openLog(log!) else { _exit(126) }
            do {
                try Sys.dup2(input, 0)
                try Sys.dup2(output, 1)
                try Sys.dup2(output, 2)
            } catch { _exit(126) }
            Sys.closeRange(3, Int32.max)
            // Set after the credentials change (which clears it).
            if !Sys.dieWithParent(parent, signal: deathSignal) { _exit(0) }
            _ = Sys.execve(args[0]!, args.baseAddress!, environ)
            _exit(127)
        }
    }

    /// The server's log, opened as the server's user: created new, or appended to when an
    /// earlier start in the same folder made it; never followed through a link.
    private static func openLog(_ path: UnsafePointer<CChar>) -> Int32? {
        let common = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC
        do {
            return try Sys.open(path, common | O_CREAT | O_EXCL, 0o644)
        } catch where error.errno == .exists {
            return try? Sys.open(path, common)
        } catch {
            return nil
        }
    }
}

/// Descriptors a forked child keeps, in memory made once before a fork loop (building an
/// array in every child would allocate there).
public struct Descriptors {
    public let fds: UnsafeBufferPointer<Int32>

    public init(_ list: [Int32]) {
        let buffer = UnsafeMutableBufferPointer<Int32>.allocate(capacity: list.count)
        _ = buffer.initialize(from: list)
        fds = UnsafeBufferPointer(buffer)
    }

    public func free() { fds.deallocate() }
}
