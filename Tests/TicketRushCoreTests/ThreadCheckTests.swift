import Foundation
import TicketRushRunner
import TicketRushTestSupport
import XCTest

final class ThreadCheckTests: XCTestCase {
    /// Where the thread count cannot be read, the runner refuses to fork (fails closed).
    func testUnreadableTaskFolderFailsClosed() {
        XCTAssertThrowsError(try ThreadCheck.requireSingleThreaded(folder: "/nonexistent/proc/self/task")) { error in
            guard case RunnerError.threadsUnknown = error else { return XCTFail("wrong error: \(error)") }
            XCTAssertTrue("\(error)".contains("refusing to fork"), "\(error)")
        }
    }

    /// A task folder of known entries: every entry but `.` and `..` is one thread, and one
    /// thread is the only count that lets the runner fork.
    func testCountsEveryTaskEntry() throws {
        let folder = try TestFiles.temporaryFolder(self)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("101"), withIntermediateDirectories: true)
        XCTAssertEqual(ThreadCheck.threadCount(folder: folder.path), 1)
        XCTAssertNoThrow(try ThreadCheck.requireSingleThreaded(folder: folder.path))
        for tid in ["102", "103"] { try FileManager.default.createDirectory(at: folder.appendingPathComponent(tid), withIntermediateDirectories: true) }
        XCTAssertEqual(ThreadCheck.threadCount(folder: folder.path), 3)
        XCTAssertThrowsError(try ThreadCheck.requireSingleThreaded(folder: folder.path)) { error in
            guard case RunnerError.notSingleThreaded(threads: 3) = error else { return XCTFail("wrong error: \(error)") }
        }
    }

    /// The live count follows a real process: a Python program of one thread that starts a
    /// second, then joins it. Another process, not this one: the test runner's own threads
    /// come and go under `--parallel`, so only a process we drive has a count we can know.
    func testCountsAThreadComingAndGoing() throws {
        let folder = try TestFiles.temporaryFolder(self)
        let script = """
        import os, sys, threading, time
        d = sys.argv[1]
        def until(name):
            while not os.path.exists(os.path.join(d, name)): time.sleep(0.01)
        e = threading.Event()
        t = threading.Thread(target=e.wait)
        t.start()
        open(os.path.join(d, "started"), "w").close()
        until("join")
        e.set()
        t.join()
        open(os.path.join(d, "joined"), "w").close()
        until("exit")
        """
        let python = try Spawned("/usr/bin/python3", ["-c", script, folder.path], dir: folder)
        defer { python.wait(0) }
        let mark = { (name: String) in FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: nil) }
        let seen = { (name: String) in FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) }
        let task = "/proc/\(python.pid)/task"
        XCTAssertTrue(poll(within: 30) { seen("started") }, python.output)
        XCTAssertEqual(ThreadCheck.threadCount(folder: task), 2, "a started thread is a second task")
        XCTAssertThrowsError(try ThreadCheck.requireSingleThreaded(folder: task))
        XCTAssertTrue(mark("join"))
        XCTAssertTrue(poll(within: 30) { seen("joined") }, python.output)
        // A joined thread leaves the task list a moment after join returns (the kernel wakes
        // the joiner before it releases the task): polled, it can only go down to one.
        var after = -1
        XCTAssertTrue(poll(within: 10) { after = ThreadCheck.threadCount(folder: task) ?? -1; return after == 1 }, "\(after) tasks after the join")
        XCTAssertNoThrow(try ThreadCheck.requireSingleThreaded(folder: task))
        XCTAssertTrue(mark("exit"))
        try python.finish(within: 30)
        XCTAssertEqual(python.exitCode, 0, python.output)
    }
}
