#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Counts this process's threads: fork() is only safe while there is one.
package enum ThreadCheck {
    /// Entries in /proc/self/task, or nil where that folder does not exist.
    package static func threadCount() -> Int? {
        guard let dir = opendir("/proc/self/task") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { count += 1 }
        }
        return count
    }

    /// Throws unless the process is single-threaded.
    package static func requireSingleThreaded() throws {
        if let n = threadCount(), n > 1 {
            throw RunnerError.notSingleThreaded(threads: n)
        }
    }
}
