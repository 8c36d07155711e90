#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushProcess
import TicketRushChild
import TicketRushChecks
import TicketRushEngines

/// The folders trials run in: one fresh folder per trial under one root. The root is held
/// open and nothing under it is reached through a symbolic link (docs/results.md).
package struct WorkFolder: Sendable {
    package let root: String
    /// True when the runner made the root itself and removes it at the end.
    package let isTemporary: Bool
    /// The root, opened without following a link.
    private let rootFD: Int32
    /// The open work folder every trial folder is made in: a `--jobs` worker keeps it.
    package var descriptor: Int32 { rootFD }

    /// Where `temporary` makes its folder: $TMPDIR (or /tmp).
    package static var temporaryBase: String { getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp" }

    /// A new private folder under $TMPDIR (or /tmp), named after the runner (its pid and
    /// start time) so a later run can remove it if this one is killed (StaleFolders).
    package static func temporary() throws -> WorkFolder {
        let base = temporaryBase
        var template = Array("\(base)/ticketrush.\(RunOwner.stamp).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw RunnerError.system(SystemError(call: "mkdtemp", path: base, code: errno))
        }
        let root = String(cString: made)
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw RunnerError.system(SystemError(call: "open", path: root, code: errno)) }
        return WorkFolder(root: root, isTemporary: true, rootFD: fd)
    }

    /// A folder the user named; kept afterwards so trials can be inspected. Refuses a
    /// symbolic link, and a folder another run is using (its `.ticketrush.lock`).
    package static func kept(at path: String) throws -> WorkFolder {
        let fd: Int32
        do {
            fd = try SafeFiles.openFolder(path, create: true)
            _ = try SafeFiles.lock(fd, shown: path, waiting: { message in
                _ = (message + "\n").withCString { write(2, $0, strlen($0)) }
            })
        } catch where error.interrupted {
            throw RunnerError.interrupted(signal: tr_interrupted())
        } catch {
            throw RunnerError.badWorkFolder("work folder: \(error.description)")
        }
        return WorkFolder(root: absolute(path), isTemporary: false, rootFD: fd)
    }

    /// The fresh folder of one trial; anything left there by an earlier run is removed,
    /// without following links (a link at `WORK/SCENARIO` is refused).
    package func trialFolder(scenario: String, trial: Int) throws -> String {
        let name = slug(scenario), trialName = "trial-\(trial + 1)"
        if mkdirat(rootFD, name, 0o755) != 0, errno != EEXIST {
            throw RunnerError.system(SystemError(call: "mkdir", path: "\(root)/\(name)", code: errno))
        }
        let dir = openat(rootFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dir >= 0 else {
            if SafeFiles.isLink(rootFD, name) {
                throw RunnerError.badWorkFolder("\(root)/\(name) is a symbolic link; refusing to follow it (remove it)")
            }
            throw RunnerError.system(SystemError(call: "open", path: "\(root)/\(name)", code: errno))
        }
        defer { close(dir) }
        SafeFiles.removeTree(in: dir, trialName)
        if mkdirat(dir, trialName, 0o755) != 0 {
            throw RunnerError.system(SystemError(call: "mkdir", path: "\(root)/\(name)/\(trialName)", code: errno))
        }
        return "\(root)/\(name)/\(trialName)"
    }

    /// Refuses, before the first trial, a symbolic link where a scenario's folder will be.
    package func checkScenarioFolders(_ names: [String]) throws {
        for name in Set(names.map(slug)) where SafeFiles.isLink(rootFD, name) {
            throw RunnerError.badWorkFolder("\(root)/\(name) is a symbolic link; refusing to follow it (remove it)")
        }
    }

    /// Removes the root if the runner made it.
    package func finish() {
        if isTemporary { removeTree(root) }
    }
}

/// The storage document's path in a trial folder, with the folders it names made.
package func storagePath(of scenario: Scenario, in folder: String) throws -> String {
    let path = "\(folder)/\(scenario.storage.path)"
    if let slash = path.lastIndex(of: "/"), path[..<slash] != folder {
        try makeDirectories(String(path[..<slash]))
    }
    return path
}

/// The same, with the JSON document `{"count": tickets}` written there.
package func createDocument(of scenario: Scenario, in folder: String) throws -> String {
    let path = try storagePath(of: scenario, in: folder)
    do {
        if let workload = scenario.workload {
            try WorkloadDocument.create(path: path, workload: workload)
        } else {
            try JSONFileStore.create(path: path, count: scenario.tickets)
        }
    } catch let e as SystemError {
        throw RunnerError.system(e)
    }
    return path
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

/// `rm -rf`, without following symbolic links (inside `path`, nor at `path` itself).
package func removeTree(_ path: String) { FileTree.remove(path) }
