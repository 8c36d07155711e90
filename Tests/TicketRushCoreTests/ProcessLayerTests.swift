import XCTest
#if canImport(Glibc)
import Glibc
#endif
import TicketRushProcess

/// The process layer's wrappers and spawners, against the real kernel: what each returns
/// for EOF, "nothing now" and "no child", which descriptors a child keeps, how the barrier
/// opens, and how the server starter opens its log.
final class ProcessLayerTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/trproc.XXXXXX".utf8CString)
        let made = try XCTUnwrap(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) })
        folder = String(cString: made)
    }

    override func tearDown() {
        for name in ["server.log", "target", "out"] { unlink("\(folder)/\(name)") }
        rmdir(folder)
    }

    func testReadTellsEOFFromNothingNow() throws {
        let p = try Sys.pipe()
        defer { Sys.close(p.read) }
        try Sys.setNonBlocking(p.read)
        var byte: UInt8 = 0
        XCTAssertNil(try Sys.read(p.read, &byte, 1), "an empty non-blocking pipe has nothing now")
        var x = UInt8(ascii: "x")
        XCTAssertEqual(try Sys.write(p.write, &x, 1), 1)
        Sys.close(p.write)
        XCTAssertEqual(try Sys.read(p.read, &byte, 1), 1)
        XCTAssertEqual(byte, UInt8(ascii: "x"))
        XCTAssertEqual(try Sys.read(p.read, &byte, 1), 0, "EOF once every write end closed")
    }

    func testWaitWithNoSuchChildThrowsECHILDAndNames() {
        XCTAssertThrowsError(try Sys.wait(999_999_999)) { error in
            let e = error as? SyscallError
            XCTAssertEqual(e?.errno, .noChild)
            XCTAssertEqual(e?.call, "waitpid")
            XCTAssertEqual(e?.named("waitpid (buyer 3)").description, "waitpid (buyer 3): \(Errno.noChild)")
        }
    }

    func testBarrierOpensWithTheByteAndNotWithoutIt() throws {
        let opened = try Sys.pipe()
        XCTAssertTrue(Barrier.open(opened.write))
        XCTAssertTrue(Barrier.wait(opened.read), "the runner's byte is there")
        XCTAssertTrue(Barrier.wait(opened.read), "and stays there for every buyer")
        Sys.close(opened.read)

        let dead = try Sys.pipe()
        Sys.close(dead.write)  // the runner died: EOF without the byte
        XCTAssertFalse(Barrier.wait(dead.read))
        Sys.close(dead.read)
    }

    /// A child keeps exactly the descriptors it is told to (and 0–2), joins its group and
    /// reports it through its exit code.
    func testChildKeepsOnlyItsDescriptorsAndJoinsItsGroup() throws {
        let kept = try Sys.pipe(flags: 0), dropped = try Sys.pipe(flags: 0)
        defer { for fd in [kept.read, kept.write, dropped.read, dropped.write] { Sys.close(fd) } }
        let keep = Descriptors([kept.write])
        defer { keep.free() }
        let pid = try Spawn.child(dieWith: getpid(), group: 0, keep: keep.fds) {
            let keptOpen = fcntl(kept.write, F_GETFD) >= 0
            let droppedClosed = fcntl(dropped.write, F_GETFD) < 0 && fcntl(dropped.read, F_GETFD) < 0
            let leads = getpgid(0) == getpid()
            _exit(keptOpen && droppedClosed && leads ? 0 : 1)
        }
        let status = try XCTUnwrap(try Sys.wait(pid)).status
        XCTAssertEqual(status.signal, 0)
        XCTAssertEqual(status.exitCode, 0, "the child kept another descriptor, lost its own, or is not its group's leader")
    }

    /// The server's log is opened as the server's user and never through a link: a planted
    /// link at server.log makes the start fail (exit 126) and the link's target stays unwritten.
    func testServerLogIsNeverFollowedThroughALink() throws {
        XCTAssertEqual(symlink("\(folder)/target", "\(folder)/server.log"), 0)
        let pid = try Spawn.server("/bin/echo", arguments: ["written"], logPath: "\(folder)/server.log", owner: nil)
        let status = try XCTUnwrap(try Sys.wait(pid)).status
        XCTAssertEqual(status.exitCode, 126)
        XCTAssertNotEqual(access("\(folder)/target", F_OK), 0, "the link was followed")
    }

    /// Two starts in one folder (initdb, then postgres) append to one log.
    func testServerLogIsCreatedThenAppendedTo() throws {
        for word in ["first", "second"] {
            let pid = try Spawn.server("/bin/echo", arguments: [word], logPath: "\(folder)/server.log", owner: nil)
            let status = try XCTUnwrap(try Sys.wait(pid)).status
            XCTAssertEqual(status.exitCode, 0)
        }
        let fd = open("\(folder)/server.log", O_RDONLY)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &bytes, bytes.count)
        XCTAssertEqual(String(decoding: bytes[0..<max(n, 0)], as: UTF8.self), "first\nsecond\n")
    }
}
