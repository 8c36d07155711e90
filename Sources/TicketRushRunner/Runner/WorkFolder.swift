#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// The folders trials run in: one fresh folder per trial under one root.
public struct WorkFolder: Sendable {
    public let root: String
    /// True when the runner made the root itself and removes it at the end.
    public let isTemporary: Bool

    /// A new private folder under $TMPDIR (or /tmp).
    public static func temporary() throws -> WorkFolder {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/ticketrush.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw RunnerError.system(SystemError(call: "mkdtemp", path: base, code: errno))
        }
        return WorkFolder(root: String(cString: made), isTemporary: true)
    }

    /// A folder the user named; kept afterwards so trials can be inspected.
    public static func kept(at path: String) throws -> WorkFolder {
        try makeDirectories(path)
        return WorkFolder(root: absolute(path), isTemporary: false)
    }

    /// The fresh folder of one trial; anything left there by an earlier run is removed.
    package func trialFolder(scenario: String, trial: Int) throws -> String {
        let path = "\(root)/\(slug(scenario))/trial-\(trial + 1)"
        removeTree(path)
        try makeDirectories(path)
        return path
    }

    /// Removes the root if the runner made it.
    public func finish() {
        if isTemporary { removeTree(root) }
    }
}

/// A file-name-safe form of a scenario name (keeps letters of any script).
public func slug(_ name: String) -> String {
    let mapped = name.unicodeScalars.map { s -> Character in
        if s == "/" || s == "\\" || s == ":" || s.value < 0x20 || s == " " { return "_" }
        return Character(s)
    }
    let text = String(mapped)
    return text.isEmpty || text == "." || text == ".." ? "_" : text
}

/// `mkdir -p`.
package func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/\(part)"
        if mkdir(current, 0o755) != 0, errno != EEXIST {
            throw RunnerError.system(SystemError(call: "mkdir", path: current, code: errno))
        }
    }
}

/// The path made absolute against the current directory.
package func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    guard let cwd = getcwd(nil, 0) else { return path }
    defer { free(cwd) }
    return "\(String(cString: cwd))/\(path)"
}

/// `rm -rf`, without following symbolic links.
package func removeTree(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        if let dir = opendir(path) {
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { removeTree("\(path)/\(name)") }
        }
        rmdir(path)
    } else {
        unlink(path)
    }
}
