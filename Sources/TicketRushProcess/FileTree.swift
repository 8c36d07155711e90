#if canImport(Glibc)
import Glibc
#endif

/// `rm -rf` through descriptors, never following a link at any level: the runner removes
/// folders that another user (a private server's) may write into while it does.
package enum FileTree {
    /// Removes `path` and everything under it; a link at `path` itself is unlinked, not followed.
    package static func remove(_ path: String) {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let dir = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { return }
        remove(in: dir, name)
        close(dir)
    }

    /// Removes `name` in the open folder `dir` and everything under it.
    package static func remove(in dir: Int32, _ name: String) {
        var st = stat()
        guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { unlinkat(dir, name, 0); return }
        let sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if sub >= 0 {
            removeContents(sub)
            close(sub)
        }
        unlinkat(dir, name, AT_REMOVEDIR)
    }

    /// Removes everything in the open folder `dir`.
    package static func removeContents(_ dir: Int32) {
        let copy = dup(dir)
        guard copy >= 0, let stream = fdopendir(copy) else { if copy >= 0 { close(copy) }; return }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(stream)
        for name in names { remove(in: dir, name) }
    }
}
