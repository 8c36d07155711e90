#if canImport(Glibc)
import Glibc
#endif
import XCTest
import TicketRushModel
@testable import TicketRushRunner

/// The runner's event reader over a real socket pair: records split across writes,
/// unknown kinds, and the limit.
final class EventCollectorTests: XCTestCase {
    var fds: [Int32] = [-1, -1]

    override func setUpWithError() throws {
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
    }

    override func tearDown() {
        for fd in fds where fd >= 0 { close(fd) }
    }

    func record(_ e: Event, kindCode: UInt16? = nil) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: EventWire.size)
        bytes.withUnsafeMutableBytes { EventWire.encode(e, into: $0.baseAddress!) }
        if let kindCode {
            bytes[24] = UInt8(kindCode & 0xff)
            bytes[25] = UInt8(kindCode >> 8)
        }
        return bytes
    }

    func send(_ bytes: [UInt8]) {
        XCTAssertEqual(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }, bytes.count)
    }

    func finish() {
        close(fds[1])
        fds[1] = -1
    }

    func testRecordsSplitAcrossReadsAreReassembled() {
        var c = EventCollector(fd: fds[0], limit: 100)
        let a = record(Event(tNs: 1, buyer: 2, task: 3, kind: .searchRead, value: 7))
        let b = record(Event(tNs: 2, buyer: 1, task: 0, kind: .error, value: 5, aux: ErrorReason.io.rawValue))
        let bytes = a + b
        send(Array(bytes[0..<10]))
        c.poll(timeoutMs: 100)
        XCTAssertEqual(c.events, [], "a third of a record is not an event")
        send(Array(bytes[10..<45]))
        c.poll(timeoutMs: 100)
        XCTAssertEqual(c.events.count, 1)
        send(Array(bytes[45...]))
        c.poll(timeoutMs: 100)
        XCTAssertEqual(c.events, [Event(tNs: 1, buyer: 2, task: 3, kind: .searchRead, value: 7),
                                  Event(tNs: 2, buyer: 1, task: 0, kind: .error, value: 5, aux: ErrorReason.io.rawValue)])
        XCTAssertFalse(c.finished)
        finish()
        c.poll(timeoutMs: 100)
        XCTAssertTrue(c.finished, "EOF once every writer closed")
    }

    func testUnknownKindsAreCountedAsMalformedAndDropped() {
        var c = EventCollector(fd: fds[0], limit: 100)
        send(record(Event(tNs: 1, buyer: 0, task: 0, kind: .start)) + record(Event(tNs: 2, buyer: 0, task: 0, kind: .start), kindCode: 999)
             + record(Event(tNs: 3, buyer: 0, task: 0, kind: .done)))
        finish()
        while !c.finished { c.poll(timeoutMs: 100) }
        XCTAssertEqual(c.events.map(\.kind), [.start, .done])
        XCTAssertEqual(c.malformed, 1)
    }

    func testPastTheLimitEventsAreDrainedAndOverflowIsSet() {
        var c = EventCollector(fd: fds[0], limit: 3)
        var bytes: [UInt8] = []
        for i in 0..<10 { bytes += record(Event(tNs: UInt64(i), buyer: 0, task: 0, kind: .lockWait)) }
        send(bytes)
        finish()
        while !c.finished { c.poll(timeoutMs: 100) }
        XCTAssertEqual(c.events.count, 3)
        XCTAssertEqual(c.events.map(\.tNs), [0, 1, 2], "the first ones are kept")
        XCTAssertTrue(c.overflowed)
    }
}

/// `--jobs` framing: frames reassembled whatever the reads cut.
final class WorkerPoolFramingTests: XCTestCase {
    func testFramesSplitAnywhereAreReassembled() {
        let frames = [WorkerPool.Frame(kind: UInt8(ascii: "R"), body: Array("{\"a\":1}".utf8)),
                      WorkerPool.Frame(kind: UInt8(ascii: "G"), body: WorkerPool.Frame.groupBody(4242)),
                      WorkerPool.Frame(kind: UInt8(ascii: "E"), body: []),
                      WorkerPool.Frame(kind: UInt8(ascii: "R"), body: [UInt8](repeating: 7, count: 70_000))]
        let stream = frames.flatMap { WorkerPool.Frame.encode(kind: $0.kind, $0.body) }
        for cut in [1, 2, 4, 5, 6, 13, 4096, 65_536, stream.count] {
            var reader = WorkerPool.FrameReader()
            var got: [WorkerPool.Frame] = []
            var offset = 0
            while offset < stream.count {
                let end = min(offset + cut, stream.count)
                stream[offset..<end].withUnsafeBytes { reader.append($0) }
                while let f = reader.next() { got.append(f) }
                offset = end
            }
            XCTAssertEqual(got, frames, "reads of \(cut) bytes")
            XCTAssertEqual(reader.pending, 0)
        }
        XCTAssertEqual(WorkerPool.Frame.group(WorkerPool.Frame.groupBody(4242)), 4242)
        XCTAssertNil(WorkerPool.Frame.group([1, 2]))
    }

    func testAnIncompleteFrameWaits() {
        var reader = WorkerPool.FrameReader()
        let frame = WorkerPool.Frame.encode(kind: UInt8(ascii: "R"), [1, 2, 3])
        frame[0..<7].withUnsafeBytes { reader.append($0) }
        XCTAssertNil(reader.next())
        XCTAssertEqual(reader.pending, 7)
        frame[7...].withUnsafeBytes { reader.append($0) }
        XCTAssertEqual(reader.next(), WorkerPool.Frame(kind: UInt8(ascii: "R"), body: [1, 2, 3]))
    }
}
