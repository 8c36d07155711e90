#if canImport(Glibc)
import Glibc
#endif
import CTicketRush

/// One wrapper per system call the runner uses, each with its EINTR/EAGAIN handling here
/// and nowhere else, failures as `SyscallError` (docs/architecture.md, "The process layer").
///
/// EINTR: retried, except where an interrupt must reach the caller at once — `poll`
/// returns 0 ready (the runner's handlers only record the signal; the caller's loop looks
/// at it), and a blocking `wait` may ask to be told. EAGAIN on a non-blocking descriptor is
/// "nothing now" (nil), never an error.
public enum Sys {
    /// fork(2): 0 in the child, the child's pid in the parent. Only while single-threaded.
    @inline(__always)
    public static func fork() throws(SyscallError) -> pid_t {
        let pid = Glibc.fork()
        if pid < 0 { throw .current("fork") }
        return pid
    }

    /// pipe2(2), close-on-exec unless told otherwise.
    public static func pipe(flags: Int32 = O_CLOEXEC) throws(SyscallError) -> (read: Int32, write: Int32) {
        var fds: (Int32, Int32) = (-1, -1)
        let r = withUnsafeMutableBytes(of: &fds) { tr_pipe2($0.baseAddress!.assumingMemoryBound(to: Int32.self), flags) }
        guard r == 0 else { throw .current("pipe") }
        return fds
    }

    /// fcntl(2) with an integer argument.
    @discardableResult
    public static func fcntl(_ fd: Int32, _ command: Int32, _ argument: Int32 = 0) throws(SyscallError) -> Int32 {
        while true {
            let r = Glibc.fcntl(fd, command, argument)
            if r >= 0 { return r }
            if errno != EINTR { throw .current("fcntl") }
        }
    }

    /// O_NONBLOCK on, for a descriptor the runner polls.
    public static func setNonBlocking(_ fd: Int32) throws(SyscallError) {
        let flags = try fcntl(fd, F_GETFL)
        try fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// F_SETPIPE_SZ: the new size, or nil where the system allows less (pipe-max-size).
    @discardableResult
    public static func setPipeSize(_ fd: Int32, bytes: Int32) -> Int32? {
        let r = tr_set_pipe_size(fd, bytes)
        return r < 0 ? nil : r
    }

    /// dup2(2).
    public static func dup2(_ from: Int32, _ to: Int32) throws(SyscallError) {
        while Glibc.dup2(from, to) < 0 {
            if errno != EINTR { throw .current("dup2") }
        }
    }

    /// close(2). Never retried: on Linux the descriptor is gone even when it says EINTR.
    @discardableResult
    public static func close(_ fd: Int32) -> Errno? {
        guard fd >= 0 else { return nil }
        return Glibc.close(fd) == 0 ? nil : .current
    }

    /// close_range(2) over [low, high]; where the kernel has none, one close at a time up to
    /// the descriptor limit. Allocates nothing (it runs in forked children).
    public static func closeRange(_ low: Int32, _ high: Int32) {
        guard low <= high, low >= 0 else { return }
        if tr_close_range(UInt32(low), UInt32(high)) == 0 { return }
        var limit = rlimit()
        var cap: Int32 = 65536
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max, limit.rlim_cur < rlim_t(cap) {
            cap = Int32(limit.rlim_cur)
        }
        var fd = low
        while fd <= min(high, cap) {
            _ = Glibc.close(fd)
            fd += 1
        }
    }

    /// Closes every descriptor from 3 up but those in `keep`. Allocates nothing.
    public static func closeAll(except keep: UnsafeBufferPointer<Int32>) {
        var low: Int32 = 3
        while true {
            // The smallest kept descriptor at or above `low`.
            var next: Int32 = -1
            for fd in keep where fd >= low && (next == -1 || fd < next) { next = fd }
            if next == -1 { closeRange(low, Int32.max); return }
            closeRange(low, next - 1)
            low = next + 1
        }
    }

    /// open(2).
    public static func open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t = 0) throws(SyscallError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .current("open") }
        }
    }

    /// read(2): bytes read (0 at EOF), or nil when a non-blocking descriptor has nothing now.
    @inline(__always)
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) throws(SyscallError) -> Int? {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw .current("read")
        }
    }

    /// write(2): bytes written, or nil when a non-blocking descriptor is full.
    @inline(__always)
    public static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) throws(SyscallError) -> Int? {
        while true {
            let n = Glibc.write(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw .current("write")
        }
    }

    /// Writes all of `buffer` to a blocking descriptor.
    public static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SyscallError) {
        var offset = 0
        while offset < buffer.count {
            guard let n = try write(fd, buffer.baseAddress! + offset, buffer.count - offset), n > 0 else {
                throw SyscallError("write", .wouldBlock)
            }
            offset += n
        }
    }

    /// poll(2): how many descriptors are ready; 0 at the timeout or when a signal arrived
    /// (the caller's loop looks at the interrupt flag: that is why there is no SA_RESTART).
    @inline(__always)
    public static func poll(_ fds: UnsafeMutableBufferPointer<pollfd>, timeoutMs: Int32) throws(SyscallError) -> Int {
        let r = Glibc.poll(fds.baseAddress, nfds_t(fds.count), timeoutMs)
        if r >= 0 { return Int(r) }
        if errno == EINTR { return 0 }
        throw .current("poll")
    }

    /// poll(2) over one descriptor.
    @inline(__always)
    public static func poll(_ fd: Int32, timeoutMs: Int32) throws(SyscallError) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return try withUnsafeMutablePointer(to: &p) { (ptr) throws(SyscallError) -> Bool in
            try poll(UnsafeMutableBufferPointer(start: ptr, count: 1), timeoutMs: timeoutMs) > 0
        }
    }

    /// waitpid(2): the child and its status, or nil when WNOHANG found none. EINTR is
    /// retried unless `interruptible` (a blocking wait an interrupt must end: then it throws
    /// `Errno.interrupted`). ECHILD throws: nothing left to wait for.
    public static func wait(_ pid: pid_t, options: Int32 = 0, interruptible: Bool = false) throws(SyscallError) -> (pid: pid_t, status: WaitStatus)? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, options)
            if r > 0 { return (r, WaitStatus(status)) }
            if r == 0 { return nil }
            if errno == EINTR && !interruptible { continue }
            throw .current("waitpid")
        }
    }

    /// kill(2). The caller decides whether a vanished target matters.
    @discardableResult
    public static func kill(_ pid: pid_t, _ signal: Int32) -> Errno? {
        guard pid > 0 else { return nil }
        return Glibc.kill(pid, signal) == 0 ? nil : .current
    }

    /// killpg(2).
    @discardableResult
    public static func killGroup(_ group: pid_t, _ signal: Int32) -> Errno? {
        guard group > 0 else { return nil }
        return Glibc.killpg(group, signal) == 0 ? nil : .current
    }

    /// setpgid(2) (0, 0: this process leads a new group).
    @discardableResult
    public static func setProcessGroup(_ pid: pid_t, _ group: pid_t) -> Errno? {
        Glibc.setpgid(pid, group) == 0 ? nil : .current
    }

    /// prctl(PR_SET_PDEATHSIG): `signal` when the parent dies. Survives exec, not a change of
    /// credentials. Then checks the parent is still `parent` (it may have died in between,
    /// and then no signal ever comes): false if not.
    public static func dieWithParent(_ parent: pid_t, signal: Int32 = SIGKILL) -> Bool {
        _ = tr_set_pdeathsig(signal)
        return getppid() == parent
    }

    /// prctl(PR_GET_CHILD_SUBREAPER).
    public static func isSubreaper() throws(SyscallError) -> Bool {
        let r = tr_subreaper_state()
        if r < 0 { throw .current("prctl(PR_GET_CHILD_SUBREAPER)") }
        return r == 1
    }

    /// prctl(PR_SET_CHILD_SUBREAPER): orphans below this process come to it, not to init.
    public static func setSubreaper(_ on: Bool) throws(SyscallError) {
        if tr_set_subreaper_to(on ? 1 : 0) != 0 { throw .current("prctl(PR_SET_CHILD_SUBREAPER)") }
    }

    /// pidfd_open(2): readable when `pid` exits; nil where the kernel has none (before 5.3).
    public static func pidfd(_ pid: pid_t) -> Int32? {
        let fd = tr_pidfd_open(pid)
        return fd >= 0 ? fd : nil
    }

    /// sigprocmask(SIG_BLOCK): `signals` stay pending until `waitSignal` takes them (or
    /// they are unblocked). Returns the set, for `waitSignal`.
    @discardableResult
    public static func blockSignals(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        _ = sigprocmask(SIG_BLOCK, &set, nil)
        return set
    }

    /// sigprocmask(SIG_UNBLOCK) of one signal.
    public static func unblockSignal(_ signal: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        _ = sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// sigtimedwait(2): the blocked signal of `set` taken, or nil at the timeout or EINTR.
    public static func waitSignal(_ set: sigset_t, timeoutMs: Int) -> Int32? {
        var set = set
        var ts = timespec(tv_sec: timeoutMs / 1000, tv_nsec: (timeoutMs % 1000) * 1_000_000)
        let r = sigtimedwait(&set, nil, &ts)
        return r > 0 ? r : nil
    }

    /// prctl(PR_SET_DUMPABLE, 0): this process never dumps core (a keeper that re-raises its
    /// program's SIGSEGV must not write a second core file).
    public static func neverDumpCore() { _ = tr_set_dumpable(0) }

    /// ioctl(FIONREAD): bytes waiting in a pipe, or nil.
    public static func bytesWaiting(_ fd: Int32) -> Int? {
        let n = tr_bytes_waiting(fd)
        return n < 0 ? nil : Int(n)
    }

    /// execve(2): returns only on failure, with why.
    public static func execve(_ path: UnsafePointer<CChar>, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
                              _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Errno {
        _ = Glibc.execve(path, argv, envp)
        return .current
    }

    /// execvpe(3): `file` looked up in the PATH of `envp`'s caller; returns only on failure.
    public static func execvp(_ file: UnsafePointer<CChar>, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
                              _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Errno {
        _ = tr_execvpe(file, argv, envp)
        return .current
    }

    /// Every signal back to its default disposition and none blocked: what an exec'd
    /// program must find (the runner's handlers only record signals).
    public static func resetAllSignals() {
        var dfl = sigaction()
        dfl.__sigaction_handler.sa_handler = SIG_DFL
        sigemptyset(&dfl.sa_mask)
        // A while loop, not a range: in a debug build a range's conformances are looked up
        // at run time, in every forked program (the runner never iterated one before forking).
        var sig: Int32 = 1
        while sig < Int32(NSIG) {
            if sig != SIGKILL && sig != SIGSTOP { _ = sigaction(sig, &dfl, nil) }
            sig += 1
        }
        var none = sigset_t()
        sigemptyset(&none)
        _ = sigprocmask(SIG_SETMASK, &none, nil)
    }
}
