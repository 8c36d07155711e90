#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushProcess

/// Folders and files of a run opened without following symbolic links, reports written
/// atomically, and the lock that keeps two runs out of one folder (docs/results.md).
///
/// The rule: every component of a relative path, and the last component of an absolute
/// one, must be a real folder; nothing inside a reports, work or events folder is followed.
/// A checkout can plant links (reports/ is tracked), the user's own absolute prefix cannot.
package enum SafeFiles {
    /// Why an output folder or file cannot be used (exit 3).
    package struct Failure: Error, CustomStringConvertible, Sendable {
        package var description: String
        /// SIGINT/SIGTERM arrived while waiting for another run's lock (exit 130).
        package var interrupted = false
        package init(_ description: String, interrupted: Bool = false) {
            self.description = description
            self.interrupted = interrupted
        }
    }

    /// The name of the lock file in a reports or work folder.
    package static let lockName = ".ticketrush.lock"

    /// Opens the folder at `path` (making it and its parents when `create`), refusing links.
    package static func openFolder(_ path: String, create: Bool) throws(Failure) -> Int32 {
        let parts = path.split(separator: "/").map(String.init)
        var fd: Int32
        var shown = path.hasPrefix("/") ? "" : "."
        var start = 0
        if path.hasPrefix("/") {
            // The user's absolute prefix is resolved as usual; only its last component is checked.
            let parent = "/" + parts.dropLast().joined(separator: "/")
            if create && parts.count > 1 { try makeParents(parent) }
            fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw Failure("cannot open \(parent): \(reason(errno))") }
            shown = parent == "/" ? "" : parent
            start = max(0, parts.count - 1)
        } else {
            fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw Failure("cannot open the current folder: \(reason(errno))") }
        }
        if parts.isEmpty { return fd }
        for part in parts[start...] {
            shown = shown == "." ? part : "\(shown)/\(part)"
            if part == "." { continue }
            if create, mkdirat(fd, part, 0o755) != 0, errno != EEXIST {
                let e = errno
                close(fd)
                throw Failure("cannot create folder \(shown): \(reason(e))")
            }
            let next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let e = errno
            if next < 0 {
                let link = isLink(fd, part)
                close(fd)
                if link { throw Failure("\(shown) is a symbolic link; refusing to follow it (remove it, or name a real folder)") }
                throw Failure("cannot open folder \(shown): \(reason(e))")
            }
            close(fd)
            fd = next
        }
        return fd
    }

    /// Opens (making it when `create`) the folder `name` inside the open folder `dir`, refusing a link.
    package static func openFolder(_ name: String, create: Bool, in dir: Int32, shown: String) throws(Failure) -> Int32 {
        if create, mkdirat(dir, name, 0o755) != 0, errno != EEXIST { throw Failure("cannot create folder \(shown): \(reason(errno))") }
        let fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if isLink(dir, name) { throw Failure("\(shown) is a symbolic link; refusing to follow it (remove it)") }
            throw Failure("cannot open folder \(shown): \(reason(errno))")
        }
        return fd
    }

    /// Checks that `name` in folder `dir` can be replaced by a report: not a link, not a folder.
    package static func checkReplaceable(_ dir: Int32, _ name: String, shown: String) throws(Failure) {
        var st = stat()
        guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw Failure("cannot inspect \(shown): \(reason(errno))")
        }
        switch st.st_mode & S_IFMT {
        case S_IFLNK: throw Failure("\(shown) is a symbolic link; refusing to write through it (remove it)")
        case S_IFDIR: throw Failure("\(shown) is a folder, not a file")
        default: return
        }
    }

    /// Takes the run lock of folder `dir` (`.ticketrush.lock`, flock), waiting while another
    /// run holds it (saying so once through `waiting`), so two runs never mix their files.
    /// The descriptor stays open for the life of the process (the lock goes with it).
    package static func lock(_ dir: Int32, shown: String, waiting: (String) -> Void = { _ in }) throws(Failure) -> Int32 {
        let fd = openat(dir, lockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if isLink(dir, lockName) { throw Failure("\(shown)/\(lockName) is a symbolic link; refusing to follow it") }
            throw Failure("cannot create the run lock \(shown)/\(lockName): \(reason(errno))")
        }
        var said = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            if e == EINTR { continue }
            guard e == EWOULDBLOCK else {
                close(fd)
                throw Failure("cannot lock \(shown)/\(lockName): \(reason(e))")
            }
            if tr_interrupted() != 0 {
                close(fd)
                throw Failure("interrupted while waiting for another run to finish with \(shown)", interrupted: true)
            }
            if !said {
                waiting("ticketrush: \(shown) is in use by another ticketrush run (\(shown)/\(lockName) is locked); waiting for it to end")
                said = true
            }
            usleep(50_000)
        }
        return fd
    }

    /// Files staged as `NAME.tmp.PID` in their folders, renamed over `NAME` together.
    package struct Batch {
        private struct Staged {
            var dir: Int32
            var temp: String
            var name: String
            var shown: String
        }
        private var staged: [Staged] = []

        package init() {}

        /// Writes `bytes` to a fresh temp file beside `name` (O_EXCL | O_NOFOLLOW): nothing
        /// existing is opened, so nothing a link names is written.
        package mutating func stage(_ bytes: some Collection<UInt8>, in dir: Int32, name: String, shown: String) throws(Failure) {
            try checkReplaceable(dir, name, shown: shown)
            let temp = "\(name).tmp.\(getpid())"
            var fd = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd < 0, errno == EEXIST {
                // Left by a run that died before renaming; unlinkat removes a link itself, never its target.
                unlinkat(dir, temp, 0)
                fd = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            }
            guard fd >= 0 else { throw Failure("cannot create \(shown).tmp.\(getpid()): \(reason(errno))") }
            staged.append(Staged(dir: dir, temp: temp, name: name, shown: shown))
            let data = Array(bytes)
            var done = 0
            while done < data.count {
                let n = data[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = errno
                    close(fd)
                    throw Failure("cannot write \(shown): \(reason(e))")
                }
                done += n
            }
            if close(fd) != 0, errno != EINTR { throw Failure("cannot write \(shown): \(reason(errno))") }
        }

        /// Renames every staged file over its name, then syncs each folder once (`sync`).
        package mutating func commit(sync: Bool = true) throws(Failure) {
            for s in staged { try checkReplaceable(s.dir, s.name, shown: s.shown) }
            var folders: [Int32] = []
            while !staged.isEmpty {
                let s = staged.removeFirst()
                guard renameat(s.dir, s.temp, s.dir, s.name) == 0 else {
                    let e = errno
                    unlinkat(s.dir, s.temp, 0)
                    throw Failure("cannot rename \(s.shown).tmp.\(getpid()) to \(s.shown): \(reason(e))")
                }
                if !folders.contains(s.dir) { folders.append(s.dir) }
            }
            for dir in folders where sync && fsync(dir) != 0 && errno != EINVAL && errno != EROFS {
                throw Failure("cannot sync the reports folder: \(reason(errno))")
            }
        }

        /// Removes every staged temp file: the previous reports stay as they were.
        package mutating func abandon() {
            for s in staged { unlinkat(s.dir, s.temp, 0) }
            staged = []
        }
    }

    /// Removes `name` in `dir` and everything under it, never following a link.
    package static func removeTree(in dir: Int32, _ name: String) { FileTree.remove(in: dir, name) }

    /// Removes everything in the open folder `dir`, never following a link.
    package static func removeContents(_ dir: Int32) { FileTree.removeContents(dir) }

    package static func isLink(_ dir: Int32, _ name: String) -> Bool {
        // Callers then report the errno of their failed call: keep it (a failed fstatat
        // here turned a read-only folder's EACCES into "No such file or directory").
        let saved = errno
        defer { errno = saved }
        var st = stat()
        return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    package static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// `mkdir -p` of an absolute prefix the user named (links there are the user's own).
    private static func makeParents(_ path: String) throws(Failure) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/\(part)"
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw Failure("cannot create folder \(current): \(reason(errno))")
            }
        }
    }
}
