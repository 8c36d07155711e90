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

    /// The live count follows this process: one more while a thread we started runs, back
    /// once it has been joined. Polled, because the test runner's own threads may come and
    /// go meanwhile; a count that ignored threads would never see the +1.
    func testCountsAThreadComingAndGoing() throws {
        let before = try XCTUnwrap(ThreadCheck.threadCount())
        let release = DispatchSemaphore(value: 0)
        var thread = pthread_t()
        let box = Unmanaged.passRetained(release as AnyObject).toOpaque()
        XCTAssertEqual(pthread_create(&thread, nil, { arg in
            (Unmanaged<AnyObject>.fromOpaque(arg!).takeRetainedValue() as! DispatchSemaphore).wait()
            return nil
        }, box), 0)
        var during = before
        XCTAssertTrue(poll(within: 10) { during = ThreadCheck.threadCount() ?? -1; return during == before + 1 },
                      "\(before) threads before, \(during) while one more runs")
        release.signal()
        XCTAssertEqual(pthread_join(thread, nil), 0)
        var after = during
        XCTAssertTrue(poll(within: 10) { after = ThreadCheck.threadCount() ?? -1; return after == before },
                      "\(before) threads before, \(after) after the thread was joined")
    }
}
