#if canImport(Glibc)
import Glibc
#endif
import CTicketRush

/// Seccomp user notification for `control: syscalls` (docs/programs.md, "Three kinds of
/// control"): one wrapper per call, failures as `SyscallError`, as in `Sys`.
public enum Seccomp {
    /// One held system call: the notification's id, the calling thread, the call and its arguments.
    public struct Notification: Sendable, Equatable {
        public var id: UInt64
        public var tid: pid_t
        public var nr: Int32
        public var args: [UInt64]

        public init(id: UInt64, tid: pid_t, nr: Int32, args: [UInt64]) {
            self.id = id
            self.tid = tid
            self.nr = nr
            self.args = args
        }
    }

    /// Whether this kernel can hold a call for the runner: `user_notif` among
    /// /proc/sys/kernel/seccomp/actions_avail. nil when it can; else why not.
    public static func unavailable(actionsFile: String = "/proc/sys/kernel/seccomp/actions_avail") -> String? {
        #if !arch(x86_64)
        return "control: syscalls is built for x86_64 Linux only"
        #else
        guard let f = fopen(actionsFile, "r") else {
            return "control: syscalls needs seccomp user notification (Linux 5.5 or later), and \(actionsFile) cannot be read (\(Errno.current))"
        }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 512)
        guard fgets(&line, Int32(line.count), f) != nil else {
            return "control: syscalls needs seccomp user notification, and \(actionsFile) is empty"
        }
        let actions = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let words = actions.split(whereSeparator: { $0 == " " || $0 == "\n" })
        if words.contains("user_notif") { return nil }
        return "control: syscalls needs seccomp user notification, which this kernel does not offer (\(actionsFile) lists: \(words.joined(separator: " "))); Linux 5.5 or later with CONFIG_SECCOMP_FILTER"
        #endif
    }

    /// The descriptor numbers the ranged filter holds calls on (docs/programs.md, "Which calls
    /// are held"): the runner puts every store descriptor there, from `storeTop` down.
    public static let range: ClosedRange<Int32> = Int32(TR_FD_RANGE_LOW)...Int32(TR_FD_RANGE_HIGH)
    public static let storeTop = Int32(TR_FD_STORE_TOP)
    /// Where the program's process keeps the socket it hands its listener over (sendmsg on
    /// it is not held by the ranged filter).
    public static let handover = Int32(TR_FD_HANDOVER)

    /// In the program's process, before exec: no new privileges and the filter; the listener.
    /// `ranged`: descriptor calls are held only in `range`. Async-signal-safe (a forked child calls it).
    public static func install(ranged: Bool = false) throws(SyscallError) -> Int32 {
        let fd = tr_seccomp_install(ranged ? 1 : 0)
        if fd < 0 { throw .current("seccomp") }
        return fd
    }

    /// Installs `fd` as descriptor `number` of the caller of held call `id` (replacing what is
    /// there), close-on-exec when `cloexec`, and answers the call with that number, atomically
    /// (SECCOMP_IOCTL_NOTIF_ADDFD, SETFD | SEND; Linux 5.14).
    public static func addDescriptor(_ listener: Int32, _ id: UInt64, fd: Int32, as number: Int32, cloexec: Bool) throws(SyscallError) {
        if tr_notif_addfd(listener, id, fd, number, cloexec ? 1 : 0) < 0 { throw .current("ioctl(SECCOMP_IOCTL_NOTIF_ADDFD)") }
    }

    /// socketpair(AF_UNIX, SOCK_STREAM), close-on-exec: how a program's process hands its listener over.
    public static func socketPair() throws(SyscallError) -> (runner: Int32, child: Int32) {
        var fds: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) != 0 { throw .current("socketpair") }
        return (fds[0], fds[1])
    }

    /// Hands descriptor `fd` over the Unix socket `socket` (SCM_RIGHTS).
    public static func send(_ fd: Int32, over socket: Int32) throws(SyscallError) {
        if tr_send_fd(socket, fd) != 0 { throw .current("sendmsg") }
    }

    /// The descriptor the other end sent (close-on-exec).
    public static func receive(over socket: Int32) throws(SyscallError) -> Int32 {
        let fd = tr_recv_fd(socket)
        if fd < 0 { throw .current("recvmsg") }
        return fd
    }

    /// The next held call; nil when its caller died before it could be read (ENOENT).
    public static func receive(from listener: Int32) throws(SyscallError) -> Notification? {
        var n = tr_notif()
        if tr_notif_recv(listener, &n) != 0 {
            if errno == ENOENT { return nil }
            throw .current("ioctl(SECCOMP_IOCTL_NOTIF_RECV)")
        }
        let a = n.args
        return Notification(id: n.id, tid: pid_t(n.pid), nr: n.nr, args: [a.0, a.1, a.2, a.3, a.4, a.5])
    }

    /// Lets the held call run as the program made it. False when its caller is gone.
    @discardableResult
    public static func proceed(_ listener: Int32, _ id: UInt64) -> Bool {
        tr_notif_send(listener, id, 0, 0, 1) == 0
    }

    /// Answers the held call without running it: returns `value`, or fails with `error`.
    @discardableResult
    public static func answer(_ listener: Int32, _ id: UInt64, value: Int64, error: Int32 = 0) -> Bool {
        tr_notif_send(listener, id, value, error, 0) == 0
    }

    /// True while the caller still waits on notification `id` (what was read from its
    /// memory since belongs to this call: SECCOMP_IOCTL_NOTIF_ID_VALID, against reuse).
    public static func isValid(_ listener: Int32, _ id: UInt64) -> Bool {
        tr_notif_id_valid(listener, id) == 1
    }

    /// Asks the kernel to hand notifications and answers over on the current CPU (Linux 6.6,
    /// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP): a round trip without a cross-CPU wake-up. False
    /// on an older kernel, where the listener works as before.
    @discardableResult
    public static func syncWakeUp(_ listener: Int32) -> Bool {
        tr_notif_sync_wake_up(listener) == 0
    }

    /// Bytes of process `pid`'s memory at `address`: one process_vm_readv, or /proc/PID/mem
    /// where that is refused; nil when unreadable.
    public static func readMemory(_ pid: pid_t, at address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { tr_read_memory(pid, address, $0.baseAddress, count) }
        if got >= 0 { return got == count ? bytes : Array(bytes[0..<got]) }
        let fd = Glibc.open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(Int64(bitPattern: address &+ UInt64(done)))) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return done == count ? bytes : Array(bytes[0..<done])
    }

    /// A NUL-terminated string (a path argument) of process `pid`, at most `limit` bytes.
    public static func readString(_ pid: pid_t, at address: UInt64, limit: Int = 4096) -> String? {
        var out: [UInt8] = []
        var at = address
        while out.count < limit {
            // Page by page: a string near the end of a mapping must not fail a longer read.
            let toPage = Int(4096 - (at % 4096))
            guard let chunk = readMemory(pid, at: at, count: toPage), !chunk.isEmpty else { return nil }
            if let end = chunk.firstIndex(of: 0) {
                out += chunk[0..<end]
                return String(decoding: out, as: UTF8.self)
            }
            out += chunk
            at += UInt64(chunk.count)
        }
        return nil
    }
}
