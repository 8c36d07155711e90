#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks
import TicketRushEngines

/// Named semaphores carry the pid of the process that made them: `/ticketrush-PID-TRIAL-N`.
/// A runner or worker killed with SIGKILL cannot unlink its semaphore, so each run first
/// removes those whose owner no longer exists.
package enum StaleSemaphores {
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
    package static func sweep(folder: String = "/dev/shm") -> [String] {
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

/// Temporary folders (`ticketrush.MACHINE-PID-START.XXXXXX`, `trdb.MACHINE-PID-START.XXXXXX`)
/// whose maker is gone: a runner killed with SIGKILL cannot remove them, so each run first removes those
/// in the temporary folder that are provably ours (a directory, not a link, owned by this
/// user, named with a maker of this machine that no longer exists), and what a killed private PostgreSQL left
/// in System V shared memory.
package enum StaleFolders {
    package static let prefixes = ["ticketrush.", "trdb."]

    /// Sweeps where work folders (WorkFolder.temporary) and servers' folders (ServerProcess.base) are made.
    package static func sweepTemporary() {
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
