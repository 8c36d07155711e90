#if canImport(Glibc)
import Glibc
#endif
import XCTest
import TicketRushModel
import TicketRushEngines
import TicketRushChild
import TicketRushRunner

/// The buyer's state machine in this process, with a fake store and a fake lock: no fork.
/// Events go through a real EventSink into a pipe and are read back.
final class BuyerStateMachineTests: XCTestCase {
    /// A store holding the count in memory; `torn` reads return a torn document.
    final class FakeStore: TicketStore {
        var count: Int
        var version = 0
        var installTag = 0
        var reads = 0
        var writes: [Int] = []
        var tornReads: Set<Int> = []

        init(count: Int) { self.count = count }

        func read() -> StoreRead {
            reads += 1
            if tornReads.contains(reads) { return .torn(bytes: 0) }
            return .count(count)
        }

        func write(count: Int, version: Int?, pause: () -> Void) -> Int32 {
            pause()
            self.count = count
            if let version { self.version = version }
            writes.append(count)
            return 0
        }
    }

    final class FakeLock: BuyerLock {
        var calls: [String] = []
        var acquireResult: Int32 = 0
        func open() -> Int32 { 0 }
        func acquire() -> Int32 { calls.append("acquire"); return acquireResult }
        func release() -> Int32 { calls.append("release"); return 0 }
    }

    func plan(wants: Int = 1, mode: LockMode = .flock, scope: LockScope = .purchase) -> TrialPlan {
        TrialPlan(wants: wants, lockMode: mode, scope: scope, writeMode: .atomic, storagePath: "/nonexistent",
                  lockContext: LockContext(lockFilePath: "/nonexistent.lock"), delays: Delays(), timeScale: 1, seed: 1)
    }

    /// Runs the buyer to the end and returns the kinds it reported.
    func run(_ plan: TrialPlan, store: FakeStore, lock: FakeLock) throws -> [Event] {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        var buyer = Buyer(index: 0, plan: plan, store: store, lock: lock, sink: EventSink(fd: fds[1], buyer: 0))
        buyer.run()
        close(fds[1])
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        XCTAssertEqual(bytes.count % EventWire.size, 0)
        return try stride(from: 0, to: bytes.count, by: EventWire.size).map { offset in
            try XCTUnwrap(bytes.withUnsafeBytes { EventWire.decode($0.baseAddress! + offset) })
        }
    }

    func testLockedPurchaseBuysAndReleases() throws {
        let store = FakeStore(count: 1), lock = FakeLock()
        let events = try run(plan(), store: store, lock: lock)
        XCTAssertEqual(events.map(\.kind), [.start, .searchRead, .lockWait, .lockAcquired, .purchaseRead, .purchaseWrite,
                                            .bought, .lockReleased, .done])
        XCTAssertEqual(events.first { $0.kind == .bought }?.value, 0)
        XCTAssertEqual(store.writes, [0])
        XCTAssertEqual(lock.calls, ["acquire", "release"])
    }

    func testSoldOutStopsEarlyEvenWhenWantingMore() throws {
        let store = FakeStore(count: 1), lock = FakeLock()
        let events = try run(plan(wants: 3), store: store, lock: lock)
        XCTAssertEqual(events.filter { $0.kind == .bought }.map(\.task), [0])
        XCTAssertEqual(events.filter { $0.kind == .soldOut }.map(\.task), [1])
        XCTAssertEqual(events.last?.kind, .done)
        XCTAssertEqual(events.last?.task, 1)
        XCTAssertEqual(lock.calls, ["acquire", "release", "acquire", "release"])
    }

    func testTornSearchEndsTheTaskWithAnError() throws {
        let store = FakeStore(count: 2), lock = FakeLock()
        store.tornReads = [1]
        let events = try run(plan(wants: 2), store: store, lock: lock)
        let error = try XCTUnwrap(events.first { $0.kind == .error })
        XCTAssertEqual(error.task, 0)
        XCTAssertEqual(error.reason, .tornRead)
        XCTAssertEqual(events.filter { $0.kind == .bought }.map(\.task), [1], "the next task goes on")
    }

    func testLockErrorIsAnOutcomeAndNothingIsReleased() throws {
        let store = FakeStore(count: 1), lock = FakeLock()
        lock.acquireResult = EDEADLK
        let events = try run(plan(), store: store, lock: lock)
        XCTAssertEqual(events.map(\.kind), [.start, .searchRead, .lockWait, .error, .done])
        XCTAssertEqual(events.first { $0.kind == .error }?.reason, .lock)
        XCTAssertEqual(events.first { $0.kind == .error }?.value, Int64(EDEADLK))
        XCTAssertEqual(lock.calls, ["acquire"])
        XCTAssertEqual(store.writes, [])
    }

    func testTaskScopeLocksTheSearchToo() throws {
        let store = FakeStore(count: 1), lock = FakeLock()
        let events = try run(plan(scope: .task), store: store, lock: lock)
        XCTAssertEqual(events.map(\.kind), [.start, .lockWait, .lockAcquired, .searchRead, .purchaseRead, .purchaseWrite,
                                            .bought, .lockReleased, .done])
    }

    func testNoLockNeverWaits() throws {
        let store = FakeStore(count: 1), lock = FakeLock()
        let events = try run(plan(mode: .none), store: store, lock: lock)
        XCTAssertEqual(events.map(\.kind), [.start, .searchRead, .purchaseRead, .purchaseWrite, .bought, .done])
        XCTAssertEqual(lock.calls, [])
    }
}
