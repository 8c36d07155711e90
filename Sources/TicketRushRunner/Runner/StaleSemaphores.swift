#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Named semaphores carry the pid of the process that made them: `/ticketrush-PID-TRIAL-N`.
/// A runner or worker killed with SIGKILL cannot unlink its semaphore, so each run first
/// removes those whose owner no longer exists.
public enum StaleSemaphores {
    package static let prefix = "ticketrush-"

    /// The name of a trial's semaphore made by process `owner`.
    package static func name(owner: pid_t, trial: Int, unique: UInt64) -> String {
        "/\(prefix)\(owner)-\(trial)-\(unique)"
    }

    /// The owner pid in a /dev/shm entry name (`sem.ticketrush-PID-…`), or nil for others.
    package static func owner(ofEntry entry: String) -> pid_t? {
        guard entry.hasPrefix("sem." + prefix) else { return nil }
        let rest = entry.dropFirst(4 + prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        return pid_t(rest[..<dash])
    }

    /// Unlinks every ticketrush semaphore in `folder` (/dev/shm) whose owner is gone;
    /// returns the names removed.
    @discardableResult
    public static func sweep(folder: String = "/dev/shm") -> [String] {
        guard let dir = opendir(folder) else { return [] }
        var entries: [String] = []
        while let entry = readdir(dir) {
            entries.append(withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            })
        }
        closedir(dir)
        var removed: [String] = []
        for entry in entries {
            guard let pid = owner(ofEntry: entry), pid > 0 else { continue }
            if kill(pid, 0) == 0 || errno != ESRCH { continue }  // alive (or not ours to judge)
            let name = "/" + entry.dropFirst(4)
            if sem_unlink(name) == 0 { removed.append(name) }
        }
        return removed
    }
}

/// Who made a folder or a table: a process, named by its pid and its start time (so a
/// reused pid is not its owner), and the machine's boot and pid namespace (so a table in a
/// shared server is judged only by the machine that can see its owner).
package enum RunOwner {
    /// "MACHINE-PID-START" of this process: the prefix of its temporary folders' names
    /// (MACHINE: a shared /tmp may be seen from other pid namespaces, whose pids are not ours).
    package static var stamp: String { "\(machine)-\(getpid())-\(startTime(getpid()) ?? 0)" }

    /// The start time of `pid` (clock ticks since boot, /proc/PID/stat field 22), or nil when it is gone.
    package static func startTime(_ pid: pid_t) -> UInt64? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 1024)
        let n = read(fd, &buf, buf.count)
        guard n > 0, let paren = buf[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After "pid (comm)": field 3 is the first; the start time is field 22.
        let fields = buf[(paren + 1)..<n].split(separator: UInt8(ascii: " "))
        return fields.count > 19 ? UInt64(String(decoding: fields[19], as: UTF8.self)) : nil
    }

    /// True when the process `pid` that started at `start` no longer exists.
    package static func isGone(pid: pid_t, start: UInt64) -> Bool {
        guard pid > 0 else { return false }
        return startTime(pid).map { $0 != start } ?? true
    }

    /// (pid, start) from "PID-START…" at the start of `text`, up to the first character not a digit after START.
    package static func parse(_ text: Substring) -> (pid: pid_t, start: UInt64)? {
        guard let dash = text.firstIndex(of: "-"), let pid = pid_t(text[..<dash]) else { return nil }
        let digits = text[text.index(after: dash)...].prefix { $0.isASCII && $0.isNumber }
        guard let start = UInt64(digits) else { return nil }
        return (pid, start)
    }

    /// A short name of this machine's boot and pid namespace: two runs with the same one can judge each other's pids.
    package static var machine: String {
        func text(_ path: String) -> String {
            var buf = [CChar](repeating: 0, count: 256)
            let n = path.hasPrefix("/proc/self/ns") ? readlink(path, &buf, 255) : {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                defer { if fd >= 0 { close(fd) } }
                return fd >= 0 ? read(fd, &buf, 255) : -1
            }()
            return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        }
        // FNV-1a: stable across runs and builds (Swift's Hasher is seeded per process).
        var hash: UInt32 = 2_166_136_261
        for byte in (text("/proc/sys/kernel/random/boot_id") + text("/proc/self/ns/pid")).utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return String(hash, radix: 16)
    }
}

/// Temporary folders (`ticketrush.MACHINE-PID-START.XXXXXX`, `trdb.MACHINE-PID-START.XXXXXX`)
/// whose maker is gone: a runner killed with SIGKILL cannot remove them, so each run first removes those
/// in the temporary folder that are provably ours (a directory, not a link, owned by this
/// user, named with a maker of this machine that no longer exists), and what a killed private PostgreSQL left
/// in System V shared memory.
public enum StaleFolders {
    package static let prefixes = ["ticketrush.", "trdb."]

    /// Sweeps where work folders (WorkFolder.temporary) and servers' folders (ServerProcess.base) are made.
    public static func sweepTemporary() {
        let bases = Set([WorkFolder.temporaryBase, ServerProcess.base(), "/tmp"])
        for base in bases { sweep(base: base) }
    }

    /// Removes them from `base`; returns the paths removed.
    @discardableResult
    package static func sweep(base: String) -> [String] {
        guard let dir = opendir(base) else { return [] }
        var names: [String] = []
        while let entry = readdir(dir) {
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        closedir(dir)
        let machine = RunOwner.machine
        var removed: [String] = []
        for name in names {
            guard let prefix = prefixes.first(where: { name.hasPrefix($0) }), name.dropFirst(prefix.count).hasPrefix(machine + "-"),
                  let owner = RunOwner.parse(name.dropFirst(prefix.count + machine.count + 1)),
                  RunOwner.isGone(pid: owner.pid, start: owner.start) else { continue }
            let path = "\(base)/\(name)"
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == geteuid() else { continue }
            if prefix == "trdb." { SharedMemory.removeLeftOf(server: "\(path)/srv/pg") }
            removeTree(path)
            removed.append(path)
        }
        return removed
    }
}

/// The System V shared memory segment a PostgreSQL server made (its key and id are on line 7
/// of `postmaster.pid`). A postmaster killed outright leaves it; removed once nothing is
/// attached, and only when it is that server's (same key, made by the folder's owner).
package enum SharedMemory {
    /// `within`: seconds to wait for the last attached process (a killed server's backends,
    /// just sent SIGKILL) to be gone.
    package static func removeLeftOf(server data: String, within: Double = 0) {
        // The folders are the server user's: no link followed at any step, no FIFO blocks us.
        var dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        for part in data.split(separator: "/") where dir >= 0 {
            let next = openat(dir, String(part), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(dir)
            dir = next
        }
        guard dir >= 0 else { return }
        var folder = stat()
        let fd = openat(dir, "postmaster.pid", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        let owned = fstat(dir, &folder) == 0
        close(dir)
        guard fd >= 0 else { return }
        var st = stat()
        guard owned, fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { close(fd); return }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buf, buf.count)
        close(fd)
        guard n > 0 else { return }
        let lines = String(decoding: buf[0..<n], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 6 else { return }
        let fields = lines[6].split(separator: " ")
        guard fields.count == 2, let key = Int32(fields[0]), let id = Int32(fields[1]) else { return }
        let until = MonotonicClock.now() + UInt64(within * 1e9)
        while true {
            var ds = shmid_ds()
            guard shmctl(id, IPC_STAT, &ds) == 0, ds.shm_perm.__key == key, ds.shm_perm.cuid == folder.st_uid else { return }
            if ds.shm_nattch == 0 { break }
            if MonotonicClock.now() >= until { return }
            MonotonicClock.sleep(ns: 10_000_000)
        }
        _ = shmctl(id, IPC_RMID, nil)
    }
}
