#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Counts this process's threads: forking is only safe while there is one.
package enum ThreadCheck {
    /// Entries in `folder` (/proc/self/task), or nil when that folder cannot be read.
    package static func threadCount(folder: String = "/proc/self/task") -> Int? {
        guard let dir = opendir(folder) else { return nil }
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

    /// Throws unless the process is provably single-threaded: a count that cannot be read
    /// (no /proc) fails closed, since forking a multi-threaded process is never safe.
    package static func requireSingleThreaded(folder: String = "/proc/self/task") throws {
        guard let n = threadCount(folder: folder) else {
            throw RunnerError.threadsUnknown(folder: folder, code: errno)
        }
        if n > 1 { throw RunnerError.notSingleThreaded(threads: n) }
    }
}
