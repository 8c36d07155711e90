import Glibc
import XCTest
import TicketRushModel
import TicketRushChecks
@testable import TicketRushRunner

/// A `--jobs` worker's outbox: records go in batches, a new trial group at once, and a warm
/// crew's group is not sent again between its schedules; what arrives decodes to the records sent.
final class WorkerOutboxTests: XCTestCase {
    private var fds: [Int32] = [-1, -1]

    override func setUpWithError() throws {
        XCTAssertEqual(pipe(&fds), 0)
        XCTAssertEqual(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0)
    }

    override func tearDown() {
        for fd in fds where fd >= 0 { close(fd) }
    }

    /// Every frame on the pipe so far (the pipe is never left holding a partial write here).
    private func frames() -> [WorkerPool.Frame] {
        var reader = WorkerPool.FrameReader()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var out: [WorkerPool.Frame] = []
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress!, $0.count) }
            guard n > 0 else { break }
            chunk.withUnsafeBytes { reader.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            while let f = reader.next() { out.append(f) }
        }
        XCTAssertEqual(reader.pending, 0)
        return out
    }

    private func record(_ trial: Int) -> TrialRecord {
        // A schedule's record: a few results, no timeline (some hundred bytes).
        var r = TrialRecordWireTests.full()
        r.trial = trial
        r.results = Array(r.results.prefix(3))
        r.timeline = nil
        return r
    }

    private func describe(_ frames: [WorkerPool.Frame]) throws -> [String] {
        try frames.map { f in
            switch f.kind {
            case UInt8(ascii: "G"): return "G\(WorkerPool.Frame.group(f.body) ?? -1)"
            case UInt8(ascii: "W"): return "W\(try TrialRecordWire.decode(f.body).trial)"
            default: return String(decoding: [f.kind], as: UTF8.self)
            }
        }
    }

    func testAWarmCrewsSchedulesSendItsGroupOnceAndTheirRecordsInABatch() throws {
        // No time limit: only size and new groups flush, whatever the scheduler does.
        let out = WorkerPool.Outbox(fd: fds[1], batchNs: .max)
        XCTAssertLessThan(TrialRecordWire.encode(record(0)).count * 4, WorkerPool.Outbox.batchBytes)
        out.group(4242)
        XCTAssertEqual(try describe(frames()), ["G4242"], "a new group is sent before its trial runs")
        for trial in 0..<3 {
            if trial > 0 { out.group(4242) }
            out.group(0)
            out.record(record(trial))
        }
        XCTAssertEqual(try describe(frames()), [], "records wait for a batch")
        out.flush()
        XCTAssertEqual(try describe(frames()), ["W0", "W1", "W2", "G0"], "the crew's group ends with the batch")
        // A fresh group after a record: the record goes first, then the group, at once.
        out.record(record(3))
        out.group(77)
        XCTAssertEqual(try describe(frames()), ["W3", "G77"])
        out.group(0)
        out.group(78)
        XCTAssertEqual(try describe(frames()), ["G78"], "another group replaces the one that ended")
    }

    func testABatchIsWrittenOnceItIsLarge() throws {
        let out = WorkerPool.Outbox(fd: fds[1], batchNs: .max)
        let size = TrialRecordWire.encode(record(0)).count + 5
        let perBatch = (WorkerPool.Outbox.batchBytes + size - 1) / size
        for trial in 0..<perBatch - 1 { out.record(record(trial)) }
        XCTAssertEqual(frames().count, 0)
        out.record(record(perBatch - 1))
        XCTAssertEqual(try describe(frames()), (0..<perBatch).map { "W\($0)" })
        XCTAssertTrue(out.pending.isEmpty)
    }

    func testRecordsWaitNoLongerThanTheBatchTime() throws {
        let out = WorkerPool.Outbox(fd: fds[1], batchNs: 0)
        out.record(record(9))
        XCTAssertEqual(try describe(frames()), ["W9"])
    }
}
