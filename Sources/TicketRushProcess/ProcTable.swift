#if canImport(Glibc)
import Glibc
#endif

/// The process table as /proc shows it: who is whose child, what a process is called and
/// which pipes it holds. For whoever must find every process below it — the runner (the
/// subreaper of a program trial) and a program buyer's keeper (Keeper.swift) — even one
/// that double-forked or called setsid: ancestry under a subreaper cannot be escaped.
public enum ProcTable {
    /// Every live process's children, by parent pid: one read of /proc.
    public static func children() -> [pid_t: [pid_t]] {
        var children: [pid_t: [pid_t]] = [:]
        forEachPid { pid in
            if let ppid = parent(of: pid) { children[ppid, default: []].append(pid) }
        }
        return children
    }

    /// Every live descendant of `root` (not `root` itself), parents before children; a
    /// child in `sparing` is left out with its subtree.
    public static func descendants(of root: pid_t, in children: [pid_t: [pid_t]], sparing: Set<pid_t> = []) -> [pid_t] {
        var out: [pid_t] = []
        var queue = (children[root] ?? []).filter { !sparing.contains($0) }
        while let next = queue.popLast() {
            out.append(next)
            queue += children[next] ?? []
        }
        return out
    }

    /// The parent pid from /proc/PID/stat (the field after the parenthesised command).
    public static func parent(of pid: pid_t) -> pid_t? {
        var buffer = [UInt8](repeating: 0, count: 512)
        guard let n = readSmall("/proc/\(pid)/stat", into: &buffer), n > 0 else { return nil }
        let text = buffer[0..<n]
        guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // ") S PPID ..."
        let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "), maxSplits: 3)
        guard fields.count >= 2 else { return nil }
        return pid_t(String(decoding: fields[1], as: UTF8.self))
    }

    /// The process's name (/proc/PID/comm, at most 15 bytes), or "?" once it is gone.
    public static func name(of pid: pid_t) -> String {
        var buffer = [UInt8](repeating: 0, count: 64)
        guard let n = readSmall("/proc/\(pid)/comm", into: &buffer), n > 0 else { return "?" }
        let text = buffer[0..<n].filter { $0 != 0x0a }
        // Shown on one line of the user's terminal: nothing that could steer it.
        return String(decoding: text.map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }

    /// The inode of the pipe behind descriptor `fd` (what /proc/PID/fd shows as `pipe:[N]`).
    public static func pipeInode(_ fd: Int32) -> UInt64? {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFIFO else { return nil }
        return UInt64(st.st_ino)
    }

    /// The pipe inodes among `inodes` that process `pid` holds a descriptor of.
    public static func pipes(heldBy pid: pid_t, among inodes: Set<UInt64>) -> Set<UInt64> {
        var held: Set<UInt64> = []
        guard let dir = opendir("/proc/\(pid)/fd") else { return held }
        defer { closedir(dir) }
        var target = [CChar](repeating: 0, count: 64)
        while let entry = readdir(dir) {
            let n = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.withMemoryRebound(to: CChar.self) { name in
                    readlinkat(dirfd(dir), name.baseAddress!, &target, target.count - 1)
                }
            }
            guard n > 6 else { continue }
            // "pipe:[12345]"
            let link = target[0..<n].map { UInt8(bitPattern: $0) }
            guard link.starts(with: Array("pipe:[".utf8)), link.last == UInt8(ascii: "]"),
                  let inode = UInt64(String(decoding: link.dropFirst(6).dropLast(), as: UTF8.self)),
                  inodes.contains(inode) else { continue }
            held.insert(inode)
        }
        return held
    }

    /// Calls `body` with every numeric entry of /proc.
    private static func forEachPid(_ body: (pid_t) -> Void) {
        guard let dir = opendir("/proc") else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = pid_t(name) { body(pid) }
        }
    }

    /// One read of a small /proc file into `buffer`: the bytes read, or nil.
    private static func readSmall(_ path: String, into buffer: inout [UInt8]) -> Int? {
        guard let fd = try? Sys.open(path, O_RDONLY | O_CLOEXEC) else { return nil }
        defer { Sys.close(fd) }
        return buffer.withUnsafeMutableBytes { raw in (try? Sys.read(fd, raw.baseAddress!, raw.count)) ?? nil }
    }
}
