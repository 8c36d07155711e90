#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushProcess

/// The ranged filter (docs/programs.md, "Which calls are held"): a file store's descriptors
/// get numbers the seccomp filter can tell apart, so a read, write or close on any other
/// descriptor runs without a round trip to the runner. A granted open of a store file is
/// the runner's: it opens the file as the program asked (its flags, mode and umask; only
/// when the program's credentials are the runner's) and installs the descriptor in the
/// program at a free number from `Seccomp.storeTop` down, answering the open with it
/// (SECCOMP_IOCTL_NOTIF_ADDFD, SETFD | SEND). Whatever would leave a store descriptor
/// below the range — a dup onto a low number (a shell's `> file`), SCM_RIGHTS,
/// pidfd_getfd, a link or another name for a store file, a descriptor limit below the
/// range — is an `escape`: the schedule is run again with every descriptor call held, and
/// so is every later schedule of the cell (`TrialSession.run(recordSteps:_:)`).
extension SyscallLauncher {
    /// Cells (by name) whose program once escaped the range: the full filter from then on.
    nonisolated(unsafe) static var fullFilterCells: Set<String> = []

    /// Whether a trial of `session` may run under the ranged filter: a file store (a network
    /// store's steps are on sockets), no escape seen in the cell, and a descriptor limit
    /// (which the program's process inherits) above the range.
    static func mayRange(_ session: TrialSession) -> Bool {
        guard !session.scenario.storage.kind.isServer,
              !fullFilterCells.contains(session.scenario.name) else { return false }
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return false }
        return limit.rlim_cur > rlim_t(Seccomp.range.upperBound)
    }

    /// The program must run with every descriptor call held: the schedule stops here (its
    /// held call never runs) and is run again so (`SyscallFullControl`).
    func escape(_ why: String) {
        SyscallLauncher.fullFilterCells.insert(program.scenario.name)
        fullControl = why
        violation = "needs every descriptor call held: \(why)"
    }

    /// A granted open (open, openat, creat) of a store file, done by the runner for the
    /// program (`SyscallLauncher+Ranged`). False when the program cannot be served so: escaped.
    func openForProgram(_ held: SyscallParked, listener: Int32) {
        let n = held.notification
        typealias N = SyscallNumber
        let dirfd: Int32 = n.nr == N.openat ? Int32(truncatingIfNeeded: n.args[0]) : -100
        let address = n.nr == N.openat ? n.args[1] : n.args[0]
        let flags = n.nr == N.creat ? O_CREAT | O_WRONLY | O_TRUNC : Int32(truncatingIfNeeded: n.nr == N.openat ? n.args[2] : n.args[1])
        let mode = mode_t(truncatingIfNeeded: n.nr == N.openat ? n.args[3] : n.nr == N.creat ? n.args[1] : n.args[2])
        guard let text = Seccomp.readString(n.tid, at: address) else { return escape("the path of an open of the store could not be read") }
        guard let status = SyscallProc.status(n.tid) else { return }  // gone
        guard status.credentials == SyscallProc.runnerCredentials else {
            return escape("the program runs with other credentials than the runner, which does not open files for it")
        }
        // As the program would: its path from its view (its working folder or directory
        // descriptor), its umask for a file it creates.
        let path = SyscallProc.programView(n.tid, text, dirfd: dirfd)
        let previous = umask(status.umask)
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        let failure = errno
        umask(previous)
        guard fd >= 0 else {
            Seccomp.answer(listener, n.id, value: -1, error: failure)
            return
        }
        defer { Glibc.close(fd) }
        guard let number = SyscallProc.freeDescriptor(n.tid) else {
            return escape("no free descriptor number in \(Seccomp.range.lowerBound)...\(Seccomp.storeTop) of the program")
        }
        do throws(SyscallError) {
            try Seccomp.addDescriptor(listener, n.id, fd: fd, as: number, cloexec: flags & O_CLOEXEC != 0)
        } catch {
            // ENOENT: the caller is gone. EBADF: its descriptor limit is now below the number.
            if error.errno.rawValue != ENOENT { escape("installing the store's descriptor as \(number): \(error.description)") }
        }
    }
}

/// Ended a schedule under the ranged filter: it is run again with every descriptor call held.
struct SyscallFullControl: Error {
    var why: String
}

extension SyscallProc {
    /// What /proc/TID/status says of a program's thread that a runner's open must match.
    struct Status {
        /// Uid, Gid, Groups and CapEff lines, as written.
        var credentials: [String]
        var umask: mode_t
        /// The thread's process (thread group: "Tgid:").
        var process: pid_t?
    }

    static func status(_ tid: pid_t) -> Status? {
        guard let bytes = readBytes("/proc/\(tid)/status") else { return nil }
        var credentials: [String] = []
        var mask: mode_t = 0o022
        var process: pid_t?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("Tgid:") {
                process = pid_t(line.dropFirst(5).filter { !$0.isWhitespace })
            } else if line.hasPrefix("Uid:") || line.hasPrefix("Gid:") || line.hasPrefix("Groups:") || line.hasPrefix("CapEff:") {
                credentials.append(String(line))
            } else if line.hasPrefix("Umask:"), let m = mode_t(line.dropFirst(6).filter { !$0.isWhitespace }, radix: 8) {
                mask = m
            }
        }
        return Status(credentials: credentials, umask: mask, process: process)
    }

    /// The runner's own credentials, as /proc shows them (read once).
    static let runnerCredentials: [String] = status(getpid())?.credentials ?? []

    /// `path` as the kernel resolves it for thread `tid`, named from the runner: relative to
    /// its working folder or directory descriptor; its own /proc entries by its number.
    static func programView(_ tid: pid_t, _ path: String, dirfd: Int32) -> String {
        let own: [(String, String)] = [("/proc/self/", "/proc/\(tid)/"), ("/proc/thread-self/", "/proc/\(tid)/task/\(tid)/"),
                                      ("/dev/fd/", "/proc/\(tid)/fd/"), ("/dev/stdin", "/proc/\(tid)/fd/0"),
                                      ("/dev/stdout", "/proc/\(tid)/fd/1"), ("/dev/stderr", "/proc/\(tid)/fd/2")]
        for (prefix, replacement) in own where path.hasPrefix(prefix) { return replacement + path.dropFirst(prefix.count) }
        if path.hasPrefix("/") { return path }
        return dirfd == -100 ? "/proc/\(tid)/cwd/\(path)" : "/proc/\(tid)/fd/\(dirfd)/\(path)"
    }

    /// True when `path` (thread `tid`'s, against `dirfd`) names a file directly in `folder`
    /// (device, inode) though its text does not: its parent folder reached by a link, or the
    /// name itself a link (a symbolic one, /proc/PID/fd/N) to a file there.
    static func aliases(_ tid: pid_t, _ path: String, dirfd: Int32, folder: (dev_t, ino_t), folderPath: String) -> Bool {
        let view = programView(tid, path, dirfd: dirfd)
        let parent = view.lastIndex(of: "/").map { $0 == view.startIndex ? "/" : String(view[..<$0]) } ?? "."
        var st = stat()
        if stat(parent, &st) == 0, st.st_dev == folder.0, st.st_ino == folder.1 { return true }
        guard lstat(view, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return false }
        if stat(view, &st) == 0 { return st.st_dev == folder.0 && inFolder(st.st_ino, folderPath) }
        // A dangling link (a file it would create): where its target's folder is.
        guard let target = link(view) else { return false }
        let targetParent = target.hasPrefix("/") ? target : parent + "/" + target
        let cut = targetParent.lastIndex(of: "/").map { String(targetParent[..<$0]) } ?? parent
        return stat(cut.isEmpty ? "/" : cut, &st) == 0 && st.st_dev == folder.0 && st.st_ino == folder.1
    }

    /// Whether inode `inode` is a file directly in `folder`.
    static func inFolder(_ inode: ino_t, _ folder: String) -> Bool {
        guard let dir = opendir(folder) else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            if entry.pointee.d_ino == inode { return true }
        }
        return false
    }

    /// The highest number from `Seccomp.storeTop` down that thread `tid`'s process has free.
    static func freeDescriptor(_ tid: pid_t) -> Int32? {
        var st = stat()
        for number in stride(from: Seccomp.storeTop, through: Seccomp.range.lowerBound, by: -1) {
            if lstat("/proc/\(tid)/fd/\(number)", &st) != 0, errno == ENOENT { return number }
        }
        return nil
    }

    /// The descriptors a held sendmsg or sendmmsg passes with SCM_RIGHTS; nil when its
    /// message headers cannot be read.
    static func passedDescriptors(_ tid: pid_t, nr: Int32, args: [UInt64]) -> [Int32]? {
        // struct msghdr: msg_control at 32, msg_controllen at 40; struct mmsghdr is 64 bytes.
        let headers = nr == SyscallNumber.sendmmsg ? (0..<min(Int(args[2]), 1024)).map { args[1] + UInt64($0 * 64) } : [args[1]]
        var passed: [Int32] = []
        for header in headers {
            guard let h = Seccomp.readMemory(tid, at: header, count: 56), h.count == 56 else { return nil }
            let control = word(h, 32), length = min(word(h, 40), 1 << 16)
            guard length >= 16 else { continue }
            guard let c = Seccomp.readMemory(tid, at: control, count: Int(length)), c.count == Int(length) else { return nil }
            var at = 0
            while at + 16 <= c.count {
                let size = Int(word(c, at))
                guard size >= 16, at + size <= c.count else { break }
                // SOL_SOCKET, SCM_RIGHTS: 1, 1.
                if word(c, at + 8) & 0xffff_ffff == 1, word(c, at + 8) >> 32 == 1 {
                    for i in stride(from: at + 16, to: at + size - 3, by: 4) {
                        passed.append(Int32(bitPattern: UInt32(c[i]) | UInt32(c[i + 1]) << 8 | UInt32(c[i + 2]) << 16 | UInt32(c[i + 3]) << 24))
                    }
                }
                at += (size + 7) & ~7
            }
        }
        return passed
    }

    /// The little-endian 64-bit word at `at`.
    private static func word(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
    }
}
