#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushProcess

/// What one held system call of a program under `control: syscalls` is to the schedule
/// (docs/programs.md, "Three kinds of control"). Pure: the caller supplies what /proc says.
enum SyscallStep: Equatable {
    /// Not on the store: it runs at once.
    case pass
    /// nanosleep/clock_nanosleep: answered at once (virtual time).
    case sleep
    /// Gets past the gates (io_uring, the store mapped): the schedule stops with this why.
    case refuse(String)
    /// A step on the store: parked until granted.
    case step(GateOp, SyscallCall)
    /// Under the ranged filter: a store descriptor would live outside the range, where the
    /// filter cannot see it (a dup onto a low number, say). The schedule is run again with
    /// every descriptor call held (SyscallLauncher, "Which calls are held").
    case escape(String)
}

/// The store call a parked step makes.
struct SyscallCall: Equatable {
    enum Kind: Equatable { case open, read, write, truncate, rename, sync, close, acquire, release, tryLock, statement }
    var kind: Kind
    /// The call's name, for the story.
    var name: String
    /// The descriptor it works on (nil for path calls).
    var fd: Int32?
}

/// x86_64 system call numbers the filter (Sources/CTicketRush/seccomp.c) holds.
enum SyscallNumber {
    static let read: Int32 = 0, write: Int32 = 1, open: Int32 = 2, close: Int32 = 3, mmap: Int32 = 9
    static let pread64: Int32 = 17, pwrite64: Int32 = 18, readv: Int32 = 19, writev: Int32 = 20
    static let nanosleep: Int32 = 35, fcntl: Int32 = 72, flock: Int32 = 73, fsync: Int32 = 74, fdatasync: Int32 = 75
    static let truncate: Int32 = 76, ftruncate: Int32 = 77, rename: Int32 = 82, creat: Int32 = 85, unlink: Int32 = 87
    static let clockNanosleep: Int32 = 230, openat: Int32 = 257, unlinkat: Int32 = 263, renameat: Int32 = 264
    static let preadv: Int32 = 295, pwritev: Int32 = 296, renameat2: Int32 = 316, ioUringSetup: Int32 = 425
    static let preadv2: Int32 = 327, pwritev2: Int32 = 328
    /// The ranged filter's: calls that copy a descriptor or name a file anew.
    static let dup: Int32 = 32, dup2: Int32 = 33, dup3: Int32 = 292, sendmsg: Int32 = 46, sendmmsg: Int32 = 307
    static let link: Int32 = 86, linkat: Int32 = 265, openByHandleAt: Int32 = 304, openat2: Int32 = 437, pidfdGetfd: Int32 = 438
    /// clone, fork, vfork, clone3: held only so the runner knows the tree grew.
    static let forks: Set<Int32> = [56, 57, 58, 435]
    /// open, openat, creat: under the ranged filter the runner opens a store file itself.
    static let opens: Set<Int32> = [2, 257, 85]
}

/// Sorts held calls into steps on the store and the rest. The store is every file directly in
/// the trial folder (the document, its temporary siblings, a lock file beside it): a program
/// that writes a temporary file and renames it over the document is seen whole.
struct SyscallClassifier {
    /// The trial folder, absolute and without links (as /proc/PID/fd shows paths).
    let folder: String

    /// What /proc tells about the caller, asked only when needed.
    struct Caller {
        /// The path descriptor `fd` is open on (readlink /proc/TID/fd/N); nil when unknown.
        var fdPath: (Int32) -> String?
        /// The caller's working directory.
        var cwd: () -> String?
        /// The NUL-terminated string at an address of the caller.
        var string: (UInt64) -> String?
        /// l_type of the `struct flock` at an address of the caller.
        var lockType: (UInt64) -> Int16?
        /// True when the caller took the store's lock through descriptor `fd`.
        var locksThrough: (Int32) -> Bool
        /// True when a path (as the caller gave it, against directory descriptor `dirfd`)
        /// names a file directly in the store's folder by a way the text does not show (a
        /// link, /proc/self/fd/N).
        var aliasesStore: (String, Int32) -> Bool = { _, _ in false }
        /// The descriptors a sendmsg (`nr`, its arguments) passes with SCM_RIGHTS; nil when unreadable.
        var passedDescriptors: (Int32, [UInt64]) -> [Int32]? = { _, _ in nil }
    }

    func isStore(_ path: String) -> Bool {
        var p = path
        if p.hasSuffix(" (deleted)") { p.removeLast(" (deleted)".count) }
        guard let slash = p.lastIndex(of: "/"), p.index(after: slash) < p.endIndex else { return false }
        return p[..<slash] == folder
    }

    /// `path` as the kernel resolves it: relative to directory descriptor `dirfd` (AT_FDCWD: the cwd).
    func resolve(_ path: String, dirfd: Int32, _ caller: Caller) -> String? {
        var base: String
        if path.hasPrefix("/") {
            base = ""
        } else if dirfd == -100 {
            guard let cwd = caller.cwd() else { return nil }
            base = cwd
        } else {
            guard let dir = caller.fdPath(dirfd) else { return nil }
            base = dir
        }
        var parts: [Substring] = base.split(separator: "/")
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    func classify(nr: Int32, args: [UInt64], _ caller: Caller) -> SyscallStep {
        typealias N = SyscallNumber
        let fd0 = Int32(truncatingIfNeeded: args[0])
        func onStore(_ fd: Int32) -> Bool { caller.fdPath(fd).map(isStore) ?? false }
        func pathOnStore(_ address: UInt64, dirfd: Int32) -> Bool {
            guard let text = caller.string(address), let path = resolve(text, dirfd: dirfd, caller) else { return false }
            return isStore(path)
        }
        func call(_ kind: SyscallCall.Kind, _ name: String, _ fd: Int32? = nil) -> SyscallCall { SyscallCall(kind: kind, name: name, fd: fd) }
        switch nr {
        case N.nanosleep, N.clockNanosleep:
            return .sleep
        case N.ioUringSetup:
            return .refuse("io_uring_setup: io_uring's reads and writes get past the gates of control: syscalls, which cannot control this program")
        case N.mmap:
            let fd = Int32(truncatingIfNeeded: args[4])
            guard onStore(fd) else { return .pass }
            return .refuse("mmap of the store (\(caller.fdPath(fd) ?? "?")): its reads and writes through memory get past the gates of control: syscalls, which cannot control this program")
        case N.open, N.openat, N.creat:
            let (address, dirfd, flags): (UInt64, Int32, UInt64) = nr == N.openat ? (args[1], fd0, args[2]) : (args[0], -100, nr == N.creat ? UInt64(O_TRUNC) : args[1])
            guard pathOnStore(address, dirfd: dirfd) else { return .pass }
            let truncates = flags & UInt64(O_TRUNC) != 0
            return .step(truncates ? .truncate : .read, call(truncates ? .truncate : .open, truncates ? "open(O_TRUNC)" : "open"))
        case N.read, N.pread64, N.readv, N.preadv, N.preadv2:
            return onStore(fd0) ? .step(.read, call(.read, "read", fd0)) : .pass
        case N.write, N.pwrite64, N.writev, N.pwritev, N.pwritev2:
            return onStore(fd0) ? .step(.write, call(.write, "write", fd0)) : .pass
        case N.ftruncate:
            return onStore(fd0) ? .step(.truncate, call(.truncate, "ftruncate", fd0)) : .pass
        case N.truncate:
            return pathOnStore(args[0], dirfd: -100) ? .step(.truncate, call(.truncate, "truncate")) : .pass
        case N.rename, N.unlink:
            return pathOnStore(args[0], dirfd: -100) ? .step(.publish, call(.rename, nr == N.rename ? "rename" : "unlink")) : .pass
        case N.renameat, N.renameat2, N.unlinkat:
            return pathOnStore(args[1], dirfd: fd0) ? .step(.publish, call(.rename, nr == N.unlinkat ? "unlink" : "rename")) : .pass
        case N.fsync, N.fdatasync:
            return onStore(fd0) ? .step(.read, call(.sync, "fsync", fd0)) : .pass
        case N.close:
            guard onStore(fd0) else { return .pass }
            // Closing the descriptor that holds the lock gives it up (flock and fcntl alike).
            return caller.locksThrough(fd0) ? .step(.release, call(.release, "close", fd0)) : .step(.read, call(.close, "close", fd0))
        case N.flock:
            guard onStore(fd0) else { return .pass }
            return args[1] & UInt64(LOCK_UN) != 0 ? .step(.release, call(.release, "flock(LOCK_UN)", fd0)) : .step(.acquire, call(.acquire, "flock", fd0))
        case N.fcntl:
            let command = Int32(truncatingIfNeeded: args[1])
            // 37, 38: F_OFD_SETLK(W), which Glibc does not export to Swift.
            guard [F_SETLK, F_SETLKW, 37, 38].contains(command), onStore(fd0) else { return .pass }
            guard let type = caller.lockType(args[2]) else { return .pass }
            let unlock = type == Int16(F_UNLCK)
            if unlock, caller.locksThrough(fd0) { return .step(.release, call(.release, "fcntl(F_UNLCK)", fd0)) }
            // A try-lock (F_SETLK, SQLite's every lock and unlock) never waits: the kernel
            // answers it, EAGAIN on a conflict (SQLITE_BUSY's path). A step on the file's locks.
            if command == F_SETLK || command == 37 || unlock { return .step(.write, call(.tryLock, unlock ? "fcntl(F_UNLCK)" : "fcntl(F_SETLK)", fd0)) }
            return .step(.acquire, call(.acquire, "fcntl lock", fd0))
        default:
            return .pass
        }
    }
}

extension SyscallClassifier {
    /// Under the ranged filter, before `classify`: a call that would leave a store descriptor
    /// below the range (or the store open under another name, or by a call the runner does
    /// not open for the program); nil for every other call.
    func escape(nr: Int32, args: [UInt64], _ caller: Caller) -> String? {
        typealias N = SyscallNumber
        let fd0 = Int32(truncatingIfNeeded: args[0])
        func store(_ fd: Int32) -> Bool { Seccomp.range.contains(fd) && (caller.fdPath(fd).map(isStore) ?? false) }
        func text(_ address: UInt64) -> String { caller.string(address) ?? "?" }
        func named(_ address: UInt64, dirfd: Int32) -> String? {
            guard let path = caller.string(address) else { return nil }
            if let resolved = resolve(path, dirfd: dirfd, caller), isStore(resolved) { return nil }
            return caller.aliasesStore(path, dirfd) ? path : nil
        }
        switch nr {
        case N.dup:
            return store(fd0) ? "dup of the store's descriptor \(fd0)" : nil
        case N.dup2, N.dup3:
            let target = Int32(truncatingIfNeeded: args[1])
            if store(fd0), !Seccomp.range.contains(target) { return "dup2 of the store's descriptor \(fd0) onto \(target)" }
            // The hand-over's number: a sendmsg on it is not held.
            if target == Seccomp.handover { return "dup2 onto descriptor \(target), where sendmsg is not held" }
            return store(target) && target != fd0 ? "dup2 onto the store's descriptor \(target)" : nil
        case N.fcntl:
            // F_DUPFD, F_DUPFD_CLOEXEC: the lowest free number at or above args[2].
            guard [F_DUPFD, 1030].contains(Int32(truncatingIfNeeded: args[1])), store(fd0) else { return nil }
            return args[2] < UInt64(Seccomp.range.lowerBound) ? "fcntl(F_DUPFD) of the store's descriptor \(fd0)" : nil
        case N.sendmsg, N.sendmmsg:
            guard let passed = caller.passedDescriptors(nr, args) else { return "a sendmsg whose descriptors could not be read" }
            return passed.first(where: store).map { "the store's descriptor \($0) sent to another process (SCM_RIGHTS)" }
        case N.pidfdGetfd:
            let fd = Int32(truncatingIfNeeded: args[1])
            return Seccomp.range.contains(fd) ? "pidfd_getfd of descriptor \(fd) of another process" : nil
        case N.link:
            return pathIsStore(args[0], dirfd: -100, caller) ? "a link to the store (\(text(args[0])))" : nil
        case N.linkat:
            // AT_EMPTY_PATH: the descriptor itself is linked.
            let linked = args[4] & 0x1000 != 0 ? store(fd0) : pathIsStore(args[1], dirfd: fd0, caller)
            return linked ? "a link to the store (\(text(args[1])))" : nil
        case N.rename, N.renameat, N.renameat2:
            // A file renamed into the folder is the store from then on, and its open
            // descriptors (below the range) with it.
            let (from, to) = nr == N.rename ? ((args[0], Int32(-100)), (args[1], Int32(-100))) : ((args[1], fd0), (args[3], Int32(truncatingIfNeeded: args[2])))
            let inward = pathIsStore(to.0, dirfd: to.1, caller) && !pathIsStore(from.0, dirfd: from.1, caller)
            return inward ? "a file renamed into the store's folder (\(text(to.0)))" : nil
        case N.openat2, N.openByHandleAt:
            let opens = nr == N.openByHandleAt || pathIsStore(args[1], dirfd: fd0, caller) || named(args[1], dirfd: fd0) != nil
            return opens ? (nr == N.openat2 ? "openat2 of the store (\(text(args[1])))" : "open_by_handle_at") : nil
        case N.open, N.creat:
            return named(args[0], dirfd: -100).map { "the store opened as \($0)" }
        case N.openat:
            return named(args[1], dirfd: fd0).map { "the store opened as \($0)" }
        default:
            return nil
        }
    }

    func pathIsStore(_ address: UInt64, dirfd: Int32, _ caller: Caller) -> Bool {
        guard let text = caller.string(address), let path = resolve(text, dirfd: dirfd, caller) else { return false }
        return isStore(path) || caller.aliasesStore(text, dirfd)
    }
}

/// The store document's value as a step read or wrote it.
enum StoreDocument {
    /// N of a whole `{"count": N}` document; nil for anything else (empty, cut short, other keys).
    static func count(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        guard text.hasPrefix("{\"count\":"), text.hasSuffix("}") else { return nil }
        let number = text.dropFirst("{\"count\":".count).dropLast()
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "-" }) else { return nil }
        return Int(number)
    }
}
