import XCTest
import TicketRushModel
import TicketRushEngines
import TicketRushFormat
import TicketRushChild

/// What each lock mode sends to each engine (docs/storage.md), and which combinations the
/// format refuses.
final class StorageStatementTests: XCTestCase {
    func testSQLiteStatementsPerMode() {
        func sql(_ mode: LockMode) -> SQLStatements { SQLStatements(dialect: .sqlite, mode: mode, table: "t") }
        XCTAssertEqual(sql(.none).begin, [])
        XCTAssertEqual(sql(.transaction).begin, ["BEGIN DEFERRED"])
        XCTAssertEqual(sql(.rowLock).begin, ["BEGIN IMMEDIATE"])
        XCTAssertEqual(sql(.atomic).begin, [])
        XCTAssertEqual(sql(.optimistic).begin, [])
        // SQLite has no FOR UPDATE: BEGIN IMMEDIATE already holds the write lock.
        XCTAssertEqual(sql(.rowLock).read(inTransaction: true), "SELECT count, version FROM t WHERE id = 1")
        XCTAssertEqual(sql(.none).write(count: 4, expected: nil), "UPDATE t SET count = 4 WHERE id = 1")
        XCTAssertEqual(sql(.transaction).write(count: 4, expected: 7), "UPDATE t SET count = 4 WHERE id = 1")
        XCTAssertEqual(sql(.atomic).write(count: 4, expected: nil),
                       "UPDATE t SET count = count - 1, version = version + 1 WHERE id = 1 AND count > 0 RETURNING count")
        XCTAssertEqual(sql(.optimistic).write(count: 4, expected: 7), "UPDATE t SET count = 4, version = version + 1 WHERE id = 1 AND version = 7")
        // Scope `write`: the transaction begins at the write, so there is nothing to check.
        XCTAssertEqual(sql(.optimistic).write(count: 4, expected: nil), "UPDATE t SET count = 4, version = version + 1 WHERE id = 1")
    }

    func testPostgresStatementsPerMode() {
        func sql(_ mode: LockMode, _ isolation: Isolation = .readCommitted) -> SQLStatements {
            SQLStatements(dialect: .postgres, mode: mode, table: "t", isolation: isolation)
        }
        XCTAssertEqual(sql(.transaction).begin, ["BEGIN ISOLATION LEVEL READ COMMITTED"])
        XCTAssertEqual(sql(.transaction, .repeatableRead).begin, ["BEGIN ISOLATION LEVEL REPEATABLE READ"])
        XCTAssertEqual(sql(.transaction, .serializable).begin, ["BEGIN ISOLATION LEVEL SERIALIZABLE"])
        XCTAssertEqual(sql(.rowLock).read(inTransaction: true), "SELECT count, version FROM t WHERE id = 1 FOR UPDATE")
        // The search outside the transaction never locks the row.
        XCTAssertEqual(sql(.rowLock).read(inTransaction: false), "SELECT count, version FROM t WHERE id = 1")
        XCTAssertEqual(sql(.advisory).begin, ["BEGIN ISOLATION LEVEL READ COMMITTED", "SELECT pg_advisory_xact_lock(1)"])
        XCTAssertEqual(sql(.none).begin, [])
        XCTAssertEqual(SQLStatements.create("t", tickets: 3).last, "INSERT INTO t (id, count, version) VALUES (1, 3, 0)")
    }

    func testRedisCommandsPerMode() {
        func redis(_ mode: LockMode) -> RedisCommands { RedisCommands(mode: mode, key: "k", ttlMs: 250) }
        XCTAssertEqual(redis(.none).read, [["GET", "k"]])
        XCTAssertEqual(redis(.none).write(count: 2, expected: nil), [["SET", "k", "2"]])
        // MULTI/EXEC wraps the write only: the GET stays outside.
        XCTAssertEqual(redis(.transaction).read, [["GET", "k"]])
        XCTAssertEqual(redis(.transaction).write(count: 2, expected: nil), [["MULTI"], ["SET", "k", "2"], ["EXEC"]])
        XCTAssertEqual(redis(.optimistic).read, [["UNWATCH"], ["WATCH", "k"], ["GET", "k"]])
        XCTAssertEqual(redis(.optimistic).write(count: 2, expected: 0), [["MULTI"], ["SET", "k", "2"], ["EXEC"]])
        XCTAssertEqual(redis(.optimistic).write(count: 2, expected: nil), [["UNWATCH"], ["SET", "k", "2"]])
        XCTAssertEqual(redis(.atomic).write(count: 2, expected: nil), [["EVAL", RedisCommands.decrementScript, "1", "k"]])
        // With a version tag: the count and its tag in one MSET, read back in one script.
        XCTAssertEqual(redis(.none).write(count: 2, expected: nil, tag: 1025), [["MSET", "k", "2", "k:version", "1025"]])
        XCTAssertEqual(redis(.optimistic).write(count: 2, expected: 0, tag: 1025), [["MULTI"], ["MSET", "k", "2", "k:version", "1025"], ["EXEC"]])
        XCTAssertEqual(redis(.optimistic).read(versioned: true), [["UNWATCH"], ["WATCH", "k"], ["EVAL", RedisCommands.versionedReadScript, "2", "k", "k:version"]])
        XCTAssertEqual(RedisCommands.split(3 << 32 | 2049).count, 3)
        XCTAssertEqual(RedisCommands.split(3 << 32 | 2049).version, 2049)
        XCTAssertEqual(redis(.advisory).acquire(token: "T"), ["SET", "k:lock", "T", "NX", "PX", "250"])
        XCTAssertEqual(redis(.advisory).release(token: "T"), ["EVAL", RedisCommands.releaseScript, "1", "k:lock", "T"])
    }

    func testModesPerEngine() {
        XCTAssertFalse(StorageKind.json.modes.contains { $0.isEngineMode })
        XCTAssertFalse(StorageKind.sqlite.modes.contains(.advisory))
        XCTAssertFalse(StorageKind.redis.modes.contains(.rowLock))
        XCTAssertEqual(StorageKind.postgres.modes, LockMode.allCases)
        for kind in StorageKind.allCases {
            for file in [LockMode.flock, .fcntl, .semaphore, .mutex, .lockfile, .none, .optimistic] {
                XCTAssertTrue(kind.modes.contains(file), "\(kind) \(file)")
            }
        }
    }

    func testEngineCodes() {
        XCTAssertEqual(EngineCode.text(EngineCode.sqlstate("40001")), "SQLSTATE 40001")
        XCTAssertEqual(EngineCode.text(EngineCode.sqlstate("40P01")), "SQLSTATE 40P01")
        XCTAssertEqual(EngineCode.text(5), "SQLite code 5")
        XCTAssertEqual(EngineCode.text(EngineCode.redisFlag), "Redis error")
    }

    private func errors(_ yaml: String) -> [String] {
        let (_, diagnostics) = ScenarioLoader().check(data: Data(yaml.utf8), path: "s.yaml")
        return diagnostics.filter { $0.severity == .error }.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    func testInvalidCombinationsAreLocatedErrors() {
        let head = "name: s\ntickets: 1\nbuyers: 2\n"
        XCTAssertEqual(errors(head + "storage: {kind: redis}\nlock: row-lock\n"),
                       ["5:7: 'lock.mode' row-lock does not run on storage.kind redis; valid: none, flock, fcntl, semaphore, mutex, lockfile, optimistic, transaction, atomic, advisory"])
        XCTAssertEqual(errors(head + "storage: {kind: sqlite}\nlock: advisory\n").count, 1)
        XCTAssertEqual(errors(head + "lock: transaction\n").first?.contains("does not run on storage.kind json"), true)
        XCTAssertEqual(errors(head + "storage: {kind: sqlite, isolation: serializable}\n"),
                       ["4:36: 'storage.isolation' applies to storage.kind postgres or mariadb, not sqlite"])
        XCTAssertEqual(errors(head + "storage: {kind: postgres, journal: wal}\n"),
                       ["4:36: 'storage.journal' applies to storage.kind sqlite, not postgres"])
        XCTAssertEqual(errors(head + "storage: {kind: postgres, url: \"http://x\"}\n"),
                       ["4:32: 'storage.url' must start with postgres:// or postgresql://, got 'http://x'"])
        XCTAssertEqual(errors(head + "storage: {kind: redis, url: \"redis://host:99999\"}\n"), ["4:29: 'storage.url' has a bad port '99999'"])
        XCTAssertEqual(errors(head + "storage: {kind: sqlite, url: \"postgres://x\"}\n").count, 1)
        XCTAssertEqual(errors(head + "storage: {kind: redis}\nlock: {mode: atomic, ttl: 1s}\n"),
                       ["5:27: 'lock.ttl' applies to lock.mode advisory on storage.kind redis only"])
        XCTAssertEqual(errors(head + "storage: {kind: redis, url: \"unix:///tmp/r.sock\"}\nlock: {mode: advisory, ttl: 1s}\n"), [])
    }

    func testDefaultsDependOnTheKind() throws {
        let (scenarios, _) = ScenarioLoader().check(data: Data("name: s\ntickets: 1\nbuyers: 2\nstorage: {kind: sqlite}\n".utf8), path: "s.yaml")
        let s = try XCTUnwrap(scenarios.first)
        XCTAssertEqual(s.storage.path, StorageConfig.defaultSQLitePath)
        XCTAssertEqual(s.storage.journal, .delete)
        XCTAssertEqual(s.storage.busyTimeoutNs, StorageConfig.defaultBusyTimeoutNs)
        XCTAssertEqual(s.lock.ttlNs, LockConfig.defaultTTLNs)
        let (json, _) = ScenarioLoader().check(data: Data("name: s\ntickets: 1\nbuyers: 2\n".utf8), path: "s.yaml")
        XCTAssertEqual(json.first?.storage.path, StorageConfig.defaultPath)
    }
}
