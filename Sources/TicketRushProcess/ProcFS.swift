#if canImport(Glibc)
import Glibc
#endif

/// The process table as /proc shows it: who is whose parent. Read where a tree must be
/// stopped whole (a program's double forks, a server's backends in their own sessions).
package enum ProcFS {
    /// Every live process's children, by parent pid: one read of /proc.
    package static func children() -> [pid_t: [pid_t]] {
        var children: [pid_t: [pid_t]] = [:]
        guard let dir = opendir("/proc") else { return [:] }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), let ppid = parent(of: pid) else { continue }
            children[ppid, default: []].append(pid)
        }
        return children
    }

    /// Every live descendant of `root` (not `root` itself), parents before children,
    /// leaving out `spared` and their subtrees.
    package static func descendants(of root: pid_t, in children: [pid_t: [pid_t]]? = nil, sparing spared: Set<pid_t> = []) -> [pid_t] {
        let children = children ?? Self.children()
        var out: [pid_t] = []
        var queue = (children[root] ?? []).filter { !spared.contains($0) }
        while let next = queue.popLast() {
            out.append(next)
            queue += children[next] ?? []
        }
        return out
    }

    /// The parent pid from /proc/PID/stat (the field after the parenthesised command).
    package static func parent(of pid: pid_t) -> pid_t? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let text = buffer[0..<n]
        guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // ") S PPID ..."
        let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "), maxSplits: 3)
        guard fields.count >= 2 else { return nil }
        return pid_t(String(decoding: fields[1], as: UTF8.self))
    }
}
