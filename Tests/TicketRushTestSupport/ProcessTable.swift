import Foundation

/// The process table read from /proc: for tests that assert nothing outlives a run.
public enum ProcessTable {
    /// One process: /proc/PID/stat fields.
    public struct Entry: Hashable, CustomStringConvertible {
        public var pid: pid_t
        public var ppid: pid_t
        public var pgid: pid_t
        public var state: Character
        public var description: String { "\(pid) (ppid \(ppid), pgid \(pgid), \(state)): \(ProcessTable.commandLine(pid))" }
    }

    public static func snapshot() -> [pid_t: Entry] {
        var table: [pid_t: Entry] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, let state = fields[0].first, let ppid = pid_t(fields[1]), let pgid = pid_t(fields[2]) else { continue }
            table[pid] = Entry(pid: pid, ppid: ppid, pgid: pgid, state: state)
        }
        return table
    }

    /// Every living descendant of `root`.
    public static func descendants(of root: pid_t) -> [Entry] {
        let table = snapshot()
        var children: [pid_t: [Entry]] = [:]
        for p in table.values { children[p.ppid, default: []].append(p) }
        var out: [Entry] = [], stack = [root]
        while let pid = stack.popLast() {
            for c in children[pid] ?? [] { out.append(c); stack.append(c.pid) }
        }
        return out
    }

    /// What is left alive (not a zombie) of recorded pids and process groups.
    public static func survivors(pids: Set<pid_t>, groups: Set<pid_t>) -> [Entry] {
        let own = getpgrp()
        return snapshot().values.filter { p in
            p.state != "Z" && p.pid != getpid() && (pids.contains(p.pid) || (groups.contains(p.pgid) && p.pgid != own))
        }
    }

    /// Every living process that carries `marker` (a `Spawned.marker`) in its environment:
    /// the spawned process and everything it started, even one that called setsid,
    /// double-forked or was re-parented — ancestry can be lost, the environment is inherited.
    public static func marked(_ marker: String) -> [Entry] {
        let needle = Array("\(Spawned.markerName)=\(marker)".utf8)
        return snapshot().values.filter { p in
            guard p.state != "Z", p.pid != getpid(),
                  let environ = FileManager.default.contents(atPath: "/proc/\(p.pid)/environ") else { return false }
            return environ.split(separator: 0).contains { $0.elementsEqual(needle) }
        }
    }

    /// Processes (pid: command line) whose working folder lies inside `folder`.
    public static func inside(_ folder: URL) -> [String] {
        let prefix = folder.resolvingSymlinksInPath().path + "/"
        let fm = FileManager.default
        return snapshot().keys.compactMap { pid -> String? in
            guard let cwd = try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"), (cwd + "/").hasPrefix(prefix) else { return nil }
            return "\(pid): \(commandLine(pid))"
        }
    }

    /// Living processes (not zombies, not this one) whose command line mentions `text`.
    public static func mentioning(_ text: String) -> [(pid: pid_t, command: String)] {
        snapshot().values.compactMap { p in
            guard p.state != "Z", p.pid != getpid() else { return nil }
            let command = commandLine(p.pid)
            return command.contains(text) ? (p.pid, command) : nil
        }
    }

    /// The command line of `pid`, words joined by spaces ("" once it is gone).
    public static func commandLine(_ pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// True when process `pid` holds a flock(2) lock on `file` (from /proc/locks, read only:
    /// looking must not take the lock, or the run under test would see the test as a rival).
    public static func holdsFlock(_ pid: pid_t, on file: URL) -> Bool {
        var st = stat()
        guard stat(file.path, &st) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
        // Only the inode: the device the kernel prints is the superblock's, which under an
        // overlay need not be stat's; the pid already narrows it to one process.
        let inode = ":\(st.st_ino)"
        return locks.split(separator: "\n").contains { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; a waiter's line has "->" after the number.
            guard f.count >= 6, f[1] == "FLOCK", f[1] != "->" else { return false }
            return pid_t(f[4]) == pid && f[5].hasSuffix(inode)
        }
    }
}
