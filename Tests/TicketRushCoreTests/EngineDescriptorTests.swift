import Foundation
import XCTest
@testable import TicketRushModel
@testable import TicketRushEngines
@testable import TicketRushFormat
@testable import TicketRushChild
@testable import TicketRushSchedule
@testable import TicketRushRunner
import TicketRushTestSupport

/// The engine descriptors and the lock-mode table are the one place their facts live: what
/// reads them agrees with them.
final class EngineDescriptorTests: XCTestCase {
    func testEveryClientEngineHasABackendAndOneInstallLine() {
        for kind in StorageKind.allCases {
            let d = kind.descriptor
            XCTAssertEqual(d.name, kind.rawValue)
            XCTAssertEqual(EngineRegistry.backend(kind) != nil, d.client != nil, kind.rawValue)
            guard let client = d.client else { continue }
            XCTAssertTrue(client.package.hasSuffix("-dev"), "\(kind): one name per purpose, the -dev package")
            XCTAssertEqual(d.installLine.split(separator: " ").dropFirst(2).first.map(String.init), client.package)
            XCTAssertTrue(client.environment.hasPrefix("TICKETRUSH_"), client.environment)
            // Every engine mode it runs says what it does there.
            for mode in kind.modes where mode.isEngineMode { XCTAssertFalse(d.modes[mode]?.isEmpty ?? true, "\(kind) \(mode)") }
        }
        XCTAssertEqual(StorageKind.redis.descriptor.installLine, "apt-get install libhiredis-dev redis-server")
    }

    /// A library that cannot be loaded is reported with what was tried and the install line,
    /// whichever engine it is (the loader tries only the override when it is set).
    func testAMissingClientLibraryNamesItsPackage() throws {
        let kind = StorageKind.redis
        guard EngineRegistry.backend(kind)!.load(nil) != nil else { throw XCTSkip("hiredis is already loaded in this process") }
        setenv("TICKETRUSH_HIREDIS", "/nonexistent/libhiredis.so", 1)
        defer { unsetenv("TICKETRUSH_HIREDIS") }
        let why = try XCTUnwrap(EngineRegistry.clientProblem(kind))
        XCTAssertTrue(why.hasPrefix("hiredis is not installed (/nonexistent/libhiredis.so: "), why)
        XCTAssertTrue(why.hasSuffix("; named by TICKETRUSH_HIREDIS): apt-get install libhiredis-dev redis-server"), why)
    }

    /// The dead-holder fact, stated once, read by the schedule's lock model and the lint rule.
    func testTheDeadHolderFactIsReadNotRestated() throws {
        for mode in LockMode.allCases {
            let freed = mode.traits.deadHolder == .released || mode.traits.deadHolder == .holdsNone
            XCTAssertEqual(LockModel(mode: mode).releasedOnDeath, freed, mode.rawValue)
            guard !mode.isEngineMode else { continue }
            let yaml = "name: t\ntickets: 1\nbuyers: 10\ntimeout: 20s\nlock: {mode: \(mode.rawValue), scope: purchase}\n"
                + "faults: [{kill: {at: purchase.read, buyers: [1]}}]\n"
            let (documents, errors) = ScenarioLoader().inspect(data: Data(yaml.utf8), path: "t.yaml")
            XCTAssertEqual(errors, [], mode.rawValue)
            let rules = documents.flatMap(ScenarioLint.warnings).compactMap(\.rule)
            XCTAssertEqual(rules.contains("dead-holder-waits"), mode.traits.deadHolder == .neverReleased, mode.rawValue)
        }
        XCTAssertEqual(LockMode.allCases.filter { $0.traits.deadHolder == .neverReleased }, [.semaphore, .lockfile])
    }

    /// The loader's engine checks come from the descriptors: the keys, the modes, lock.ttl.
    func testTheLoaderReadsTheDescriptors() {
        func errors(_ storage: String, _ lock: String) -> [String] {
            let yaml = "name: t\ntickets: 1\nbuyers: 2\nstorage: \(storage)\nlock: \(lock)\n"
            return ScenarioLoader().inspect(data: Data(yaml.utf8), path: "t.yaml").1.map(\.message)
        }
        XCTAssertEqual(errors("{kind: redis, journal: wal}", "none"), ["'storage.journal' applies to storage.kind sqlite, not redis"])
        XCTAssertEqual(errors("{kind: sqlite, url: 'postgres://x'}", "none"), ["'storage.url' applies to storage.kind postgres, redis or mariadb, not sqlite"])
        XCTAssertEqual(errors("{kind: json}", "row-lock"),
                       ["'lock.mode' row-lock does not run on storage.kind json (a database mode: use sqlite, postgres or mariadb); valid: none, flock, fcntl, semaphore, mutex, lockfile, optimistic"])
        XCTAssertEqual(errors("{kind: postgres}", "{mode: advisory, ttl: 1s}"), ["'lock.ttl' applies to lock.mode advisory on storage.kind redis only"])
        XCTAssertEqual(errors("{kind: redis, url: 'redis:///0'}", "none"), ["'storage.url' names no host, got 'redis:///0'"])
        XCTAssertEqual(errors("{kind: postgres, url: 'redis://h'}", "none"), ["'storage.url' must start with postgres:// or postgresql://, got 'redis://h'"])
    }

    /// An engine is its folder plus its line in the registry (docs/architecture.md, "Adding
    /// an engine"): its backend and server are declared in one folder of TicketRushEngines,
    /// and no file outside that folder but EngineRegistry.swift names them.
    func testEachEngineIsOneFolderAndOneRegistryLine() throws {
        let sources = TestFiles.repositoryRoot.appendingPathComponent("Sources")
        let paths = (FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".swift") }
        let files = try paths.map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)) }
        func naming(_ pattern: String) throws -> [String] {
            let regex = try NSRegularExpression(pattern: pattern)
            return files.filter { regex.firstMatch(in: $0.1, range: NSRange($0.1.startIndex..., in: $0.1)) != nil }.map(\.0)
        }
        for engine in EngineRegistry.all {
            let types = [engine.backend.map { "\($0)" }, engine.server.map { "\($0)" }].compactMap { $0 }
            var folders = Set(engine.descriptor.client.map { [($0.declaredIn as NSString).deletingLastPathComponent] } ?? [])
            for type in types {
                let declared = try naming("(enum|class|struct) \(type)\\b")
                XCTAssertEqual(declared.count, 1, "\(type) is declared in \(declared)")
                guard let file = declared.first else { continue }
                let folder = (file as NSString).deletingLastPathComponent
                folders.insert(folder)
                XCTAssertTrue(folder.hasPrefix("TicketRushEngines/"), "\(type) is in \(file)")
                let outside = try naming("\\b\(type)\\b(?!\\.swift)").filter { !$0.hasPrefix(folder + "/") }
                XCTAssertEqual(outside, ["TicketRushEngines/EngineRegistry.swift"], "\(type) is named outside its folder")
            }
            XCTAssertLessThanOrEqual(folders.count, 1, "\(engine.kind): descriptor, store and server in one folder, not \(folders.sorted())")
        }
    }
}
