import XCTest
@testable import TicketRushModel
@testable import TicketRushFormat
@testable import TicketRushChild
@testable import TicketRushChecks
@testable import TicketRushRunner
@testable import TicketRushReports

final class ThreadCheckTests: XCTestCase {
    /// Where the thread count cannot be read, the runner refuses to fork (fails closed).
    func testUnreadableTaskFolderFailsClosed() {
        XCTAssertThrowsError(try ThreadCheck.requireSingleThreaded(folder: "/nonexistent/proc/self/task")) { error in
            guard case RunnerError.threadsUnknown = error else { return XCTFail("wrong error: \(error)") }
            XCTAssertTrue("\(error)".contains("refusing to fork"), "\(error)")
        }
    }

    /// The test process runs several threads: the check sees them.
    func testCountsThreads() throws {
        let n = try XCTUnwrap(ThreadCheck.threadCount())
        XCTAssertGreaterThanOrEqual(n, 1)
    }
}
