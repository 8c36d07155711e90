import Foundation
import TicketRushTestSupport
import XCTest

/// The shared test support can fail: the process-table check sees an escaped process, the
/// lock check sees a held lock, and a hang is reported, not waited out.
final class TestSupportTests: XCTestCase {
    /// A process that leaves its parent's session and group is still found by its marker.
    func testMarkerFindsAProcessThatEscapedItsParent() throws {
        let dir = try TestFiles.temporaryFolder(self)
        let shell = try Spawned("/bin/sh", ["-c", "setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $!"], dir: dir)
        try shell.finish(within: 30)
        let escaped = try XCTUnwrap(pid_t(shell.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(escaped, SIGKILL) }
        XCTAssertTrue(poll(within: 10) { ProcessTable.marked(shell.marker).contains { $0.pid == escaped } },
                      "the escaped sleep \(escaped) is not found by the marker")
        XCTAssertFalse(ProcessTable.descendants(of: shell.pid).contains { $0.pid == escaped }, "ancestry alone would have missed it")
        kill(escaped, SIGKILL)
        XCTAssertTrue(poll(within: 10) { ProcessTable.marked(shell.marker).isEmpty }, "a killed process is still reported")
    }

    /// /proc/locks shows who holds a flock, without taking it.
    func testSeesAHeldFlock() throws {
        let dir = try TestFiles.temporaryFolder(self)
        let lock = dir.appendingPathComponent("lock")
        XCTAssertTrue(FileManager.default.createFile(atPath: lock.path, contents: nil))
        let holder = try Spawned("/usr/bin/flock", [lock.path, "sleep", "60"], dir: dir)
        defer { holder.wait(0) }
        XCTAssertTrue(poll(within: 10) { ProcessTable.holdsFlock(holder.pid, on: lock) }, "flock(1) holding \(lock.path) is not seen")
        XCTAssertFalse(ProcessTable.holdsFlock(getpid(), on: lock), "this process holds no lock")
    }

    /// A process that does not end within its bound is killed and reported with its output.
    func testAHangIsKilledAndReported() throws {
        let dir = try TestFiles.temporaryFolder(self)
        let sleeper = try Spawned("/bin/sh", ["-c", "echo started; exec sleep 60"], dir: dir)
        XCTAssertThrowsError(try sleeper.finish(within: 0.5)) { error in
            XCTAssertTrue("\(error)".contains("did not finish within 0.5 s"), "\(error)")
        }
        XCTAssertFalse(sleeper.isRunning)
        XCTAssertEqual(sleeper.exitCode, 128 + SIGKILL)
    }
}
