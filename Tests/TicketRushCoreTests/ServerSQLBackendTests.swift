import XCTest
import TicketRushModel
@testable import TicketRushEngines

/// PostgreSQL's and MariaDB's backends get their counter's body from `ServerSQLBackend`, whose
/// defaults must win over `EngineBackend`'s (a file engine's `tickets`, a drop that does
/// nothing) when the runner reaches them through the registry.
final class ServerSQLBackendTests: XCTestCase {
    func testTheRegistrysServerBackendsNameATablePerRunAndTrial() throws {
        for kind in [StorageKind.postgres, .mariadb] {
            let backend = try XCTUnwrap(EngineRegistry.backend(kind), kind.rawValue)
            XCTAssertEqual(backend.storeName(tag: "ab12_7_9", serial: 3), "ticketrush_ab12_7_9_3", kind.rawValue)
        }
        XCTAssertEqual(EngineRegistry.backend(.sqlite)?.storeName(tag: "ab12_7_9", serial: 3), "tickets")
    }
}
