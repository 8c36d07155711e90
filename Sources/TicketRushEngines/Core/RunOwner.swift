#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

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
    /// Read once: neither changes within a process (nor across its forked workers), and every
    /// trial's table name and every sweep asks for it.
    package static let machine: String = {
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
    }()
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
