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
