import Foundation
import XCTest
import TicketRushModel
import TicketRushChild

/// The registry, and what each mode prepares and cleans up (no fork here: buyers are
/// tested end to end through the binary).
final class LockModeRegistryTests: XCTestCase {
    func testEveryModeIsDescribedAndOnlyNoneAndOptimisticDoNotBlock() {
        for mode in LockMode.allCases {
            XCTAssertFalse(mode.summary.isEmpty, mode.rawValue)
        }
        XCTAssertEqual(LockMode.allCases.filter { !$0.excludes }, [.none, .optimistic, .atomic])
        XCTAssertEqual(LockMode.allCases.map(\.rawValue), ["none", "flock", "fcntl", "semaphore", "mutex", "lockfile", "optimistic",
                                                           "transaction", "row-lock", "atomic", "advisory"])
        XCTAssertEqual(LockMode.allCases.filter(\.isEngineMode), [.transaction, .rowLock, .atomic, .advisory])
    }

    private func context(_ folder: URL) -> LockContext {
        LockContext(lockFilePath: folder.appendingPathComponent("db.json.lock").path,
                    semaphoreName: "/ticketrush-unit-\(getpid())-\(UUID().uuidString.prefix(8))",
                    mutexPath: folder.appendingPathComponent("db.json.mutex").path)
    }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ticketrush-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testSemaphoreIsCreatedBeforeTheTrialAndUnlinkedAfter() throws {
        let ctx = context(try folder())
        try LockMode.semaphore.prepare(ctx)
        let lock = SemaphoreLock(name: ctx.semaphoreName)
        XCTAssertEqual(lock.open(), 0)
        XCTAssertEqual(lock.acquire(), 0)
        XCTAssertEqual(lock.release(), 0)
        LockMode.semaphore.cleanUp(ctx)
        XCTAssertNotEqual(SemaphoreLock(name: ctx.semaphoreName).open(), 0, "the name is gone after cleanUp")
        // A leftover of the same name (a crashed run) is replaced, not an error.
        try LockMode.semaphore.prepare(ctx)
        try LockMode.semaphore.prepare(ctx)
        LockMode.semaphore.cleanUp(ctx)
    }

    func testMutexLivesInAFileOfTheTrialFolder() throws {
        let ctx = context(try folder())
        try LockMode.mutex.prepare(ctx)
        let size = try FileManager.default.attributesOfItem(atPath: ctx.mutexPath)[.size] as? Int
        XCTAssertEqual(size, MemoryLayout<pthread_mutex_t>.size)
        let lock = MutexLock(path: ctx.mutexPath)
        XCTAssertEqual(lock.open(), 0)
        XCTAssertEqual(lock.acquire(), 0)
        XCTAssertEqual(lock.release(), 0)
    }

    func testLockfileIsTakenByCreatingItAndFreedByRemovingIt() throws {
        let ctx = context(try folder())
        try LockMode.lockfile.prepare(ctx)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ctx.lockFilePath), "nothing exists until a buyer takes it")
        let lock = LockfileLock(file: ctx.lockFile, buyer: 0)
        XCTAssertEqual(lock.acquire(), 0)
        XCTAssertEqual(try String(contentsOfFile: ctx.lockFilePath, encoding: .utf8), "\(getpid())\n")
        XCTAssertEqual(lock.release(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ctx.lockFilePath))
    }

    func testOptimisticCommitChecksTheVersion() throws {
        let dir = try folder()
        let ctx = context(dir)
        try LockMode.optimistic.prepare(ctx)
        let path = dir.appendingPathComponent("db.json").path
        try JSONFileStore.create(path: path, count: 2)
        let store = JSONFileStore(path: path, mode: .atomic, tag: 0)
        let lock = OptimisticLock(file: ctx.lockFile)
        XCTAssertEqual(lock.open(), 0)
        var steps: [EventKind] = []
        // Read at version 0 (the plain document), commit: written as version 1.
        XCTAssertEqual(store.read(), .count(2))
        XCTAssertEqual(store.version, 0)
        XCTAssertEqual(lock.commit(store, count: 1, expected: 0, report: { steps.append($0) }, pause: {}), .written(0))
        XCTAssertEqual(steps, [.lockWait, .lockAcquired, .purchaseWrite, .keyWrite, .lockReleased])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{\"count\": 1, \"version\": 1}\n")
        // A buyer still holding version 0 loses: nothing written, the version it saw reported.
        steps = []
        XCTAssertEqual(lock.commit(store, count: 1, expected: 0, report: { steps.append($0) }, pause: {}), .conflict(seen: 1))
        XCTAssertEqual(steps, [.lockWait, .lockAcquired, .lockReleased])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{\"count\": 1, \"version\": 1}\n")
        // No expectation (scope write): no check at all.
        XCTAssertEqual(lock.commit(store, count: 0, expected: nil, report: { _ in }, pause: {}), .written(0))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{\"count\": 0, \"version\": 2}\n")
    }
}
