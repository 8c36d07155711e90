import Foundation
import XCTest
import TicketRushProcess
@testable import TicketRushRunner

/// The ranged filter's soundness (docs/programs.md, "Which calls are held"): every call that
/// could leave a store descriptor below the reserved range is an escape, and a path that
/// reaches the store by a link is known for the store.
final class SyscallRangeTests: XCTestCase {
    let folder = "/w/s/trial-1"
    let store: [Int32: String] = [1000: "/w/s/trial-1/db.json", 999: "/w/s/trial-1/db.json.tmp", 900: "pipe:[7]",
                                  5: "/etc/passwd", 1: "pipe:[8]"]

    func escape(_ nr: Int32, _ args: [UInt64], strings: [UInt64: String] = [:], passed: [Int32]? = [],
                aliases: Set<String> = []) -> String? {
        var c = SyscallClassifier.Caller(fdPath: { self.store[$0] }, cwd: { "/home" }, string: { strings[$0] }, lockType: { _ in nil },
                                         locksThrough: { _ in false })
        c.aliasesStore = { path, _ in aliases.contains(path) }
        c.passedDescriptors = { _, _ in passed }
        return SyscallClassifier(folder: folder).escape(nr: nr, args: args + [UInt64](repeating: 0, count: 6 - args.count), c)
    }

    func testCopiesOfAStoreDescriptorOutOfTheRangeEscape() {
        typealias N = SyscallNumber
        XCTAssertNotNil(escape(N.dup, [1000]), "dup: the lowest free number, below the range")
        XCTAssertNil(escape(N.dup, [900]), "a pipe in the range is no store")
        XCTAssertNotNil(escape(N.dup2, [1000, 1]), "a shell's > file: onto stdout")
        XCTAssertNotNil(escape(N.dup3, [999, 9, UInt64(O_CLOEXEC)]))
        XCTAssertNil(escape(N.dup2, [1000, 990]), "a copy inside the range is still held")
        XCTAssertNotNil(escape(N.dup2, [5, 1000]), "a descriptor over a store descriptor closes it unseen")
        XCTAssertNil(escape(N.dup2, [1000, 1000]))
        XCTAssertNotNil(escape(N.dup2, [5, 1023]), "1023 carries the listener: sendmsg on it is not held")
        XCTAssertNotNil(escape(N.fcntl, [1000, UInt64(F_DUPFD), 0]))
        XCTAssertNotNil(escape(N.fcntl, [1000, 1030, 10]), "F_DUPFD_CLOEXEC")
        XCTAssertNil(escape(N.fcntl, [1000, UInt64(F_DUPFD), 800]), "at or above 800: still in the range")
        XCTAssertNil(escape(N.fcntl, [1000, UInt64(F_GETFL)]))
        XCTAssertNotNil(escape(N.sendmsg, [3, 64, 0], passed: [5, 1000]), "SCM_RIGHTS: the receiver gets a low number")
        XCTAssertNil(escape(N.sendmsg, [3, 64, 0], passed: [5, 900]))
        XCTAssertNotNil(escape(N.sendmmsg, [3, 64, 1], passed: nil), "unreadable headers: not known to be safe")
        XCTAssertNotNil(escape(N.pidfdGetfd, [7, 1000, 0]))
        XCTAssertNil(escape(N.pidfdGetfd, [7, 5, 0]))
    }

    func testOtherNamesForTheStoreEscape() {
        typealias N = SyscallNumber
        let strings: [UInt64: String] = [1: "/w/s/trial-1/db.json", 2: "/tmp/link/db.json", 3: "/usr/lib/x.py", 4: "/proc/self/fd/1000",
                                         5: "/w/s/trial-1/db.json.tmp", 6: "/tmp/new.json"]
        let aliases: Set = ["/tmp/link/db.json", "/proc/self/fd/1000"]
        let at = UInt64(bitPattern: -100)
        XCTAssertNil(escape(N.openat, [at, 1, 0], strings: strings, aliases: aliases), "the store by its own name: the runner opens it")
        XCTAssertNotNil(escape(N.openat, [at, 2, 0], strings: strings, aliases: aliases), "through a link to the folder")
        XCTAssertNotNil(escape(N.open, [4, 0], strings: strings, aliases: aliases), "through /proc/self/fd")
        XCTAssertNil(escape(N.openat, [at, 3, 0], strings: strings, aliases: aliases))
        XCTAssertNotNil(escape(N.openat2, [at, 1, 0, 24], strings: strings, aliases: aliases), "openat2 is not opened for the program")
        XCTAssertNil(escape(N.openat2, [at, 3, 0, 24], strings: strings, aliases: aliases))
        XCTAssertNotNil(escape(N.link, [1, 6], strings: strings, aliases: aliases), "a hard link outside the folder")
        XCTAssertNotNil(escape(N.linkat, [at, 1, at, 6, 0], strings: strings, aliases: aliases))
        XCTAssertNotNil(escape(N.rename, [6, 1], strings: strings, aliases: aliases), "renamed in: its open descriptors become the store's")
        XCTAssertNil(escape(N.rename, [5, 1], strings: strings, aliases: aliases), "the atomic write: the temporary file is the store already")
    }

    /// The runner's look at a real path: a symbolic link to the folder, a link to a file in it,
    /// /proc/self/fd of a descriptor on it, and a dangling link whose target would be in it.
    func testALinkToTheFolderOrItsFileIsKnown() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-range-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let trial = dir + "/trial-1"
        try FileManager.default.createDirectory(atPath: trial, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: trial + "/db.json", contents: Data("{\"count\": 1}".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: trial)
        try FileManager.default.createSymbolicLink(atPath: dir + "/file", withDestinationPath: trial + "/db.json")
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: trial + "/new.json")
        _ = FileManager.default.createFile(atPath: dir + "/other.json", contents: Data())
        var st = stat()
        XCTAssertEqual(stat(trial, &st), 0)
        let id = (st.st_dev, st.st_ino)
        let fd = open(trial + "/db.json", O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        func aliases(_ path: String) -> Bool { SyscallProc.aliases(getpid(), path, dirfd: -100, folder: id, folderPath: trial) }
        XCTAssertTrue(aliases(dir + "/link/db.json"))
        XCTAssertTrue(aliases(dir + "/link/made-later.json"), "a file created through the link")
        XCTAssertTrue(aliases(dir + "/file"))
        XCTAssertTrue(aliases("/proc/self/fd/\(fd)"), "the caller's own /proc, named by its number")
        XCTAssertTrue(aliases(dir + "/dangling"))
        XCTAssertFalse(aliases(dir + "/other.json"))
        XCTAssertFalse(aliases("/usr/lib"))
    }
}
