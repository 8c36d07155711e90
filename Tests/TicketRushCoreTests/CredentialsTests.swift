import Foundation
import XCTest
@testable import TicketRushModel
@testable import TicketRushEngines
@testable import TicketRushFormat
import TicketRushReports

/// issue 19 item 13: a password in storage.url is never stored or printed.
final class CredentialsTests: XCTestCase {
    func testPasswordsAreRedactedInEveryURLForm() {
        for (url, shown) in [
            ("postgres://alice:s3cr3t@db.example:5432/tickets", "postgres://alice:***@db.example:5432/tickets"),
            ("postgresql://alice:p%40ss@db/t?sslmode=require", "postgresql://alice:***@db/t?sslmode=require"),
            ("postgres://alice@db/t?password=s3cr3t&sslmode=require", "postgres://alice@db/t?password=***&sslmode=require"),
            ("postgres://db/t?sslpassword=s3cr3t", "postgres://db/t?sslpassword=***"),
            ("redis://:s3cr3t@cache:6379/0", "redis://:***@cache:6379/0"),
            ("redis://default:s3cr3t@cache", "redis://default:***@cache"),
            ("redis://s3cr3t@cache", "redis://***@cache"),
            ("postgres://alice@db/t", "postgres://alice@db/t"),
            ("unix:///run/redis.sock", "unix:///run/redis.sock"),
        ] {
            XCTAssertEqual(redactedURL(url), shown, url)
        }
    }

    func testTheStoredScenarioHoldsNoPasswordButTheLoadedOneConnects() throws {
        var s = Scenario(name: "p", tickets: 1, buyers: BuyerGroup(count: 2))
        s.storage = StorageConfig(kind: .postgres, url: "postgres://alice:s3cr3t@db/t")
        let json = String(decoding: try JSONEncoder().encode(ScenarioRecord(s)), as: UTF8.self)
        XCTAssertFalse(json.contains("s3cr3t"), json)
        XCTAssertTrue(json.contains("alice:***@db"), json)
        XCTAssertEqual(s.storage.url, "postgres://alice:s3cr3t@db/t", "in memory, for connecting")
    }

    func testALoaderMessageAboutTheURLDoesNotEchoThePassword() {
        let (_, errors) = ScenarioLoader().inspect(data: Data("name: p\ntickets: 1\nbuyers: 2\nstorage: {kind: redis, url: \"redis://:s3cr3t@\"}\n".utf8), path: "p.yaml")
        XCTAssertEqual(errors.count, 1)
        XCTAssertFalse(errors.map(\.description).joined().contains("s3cr3t"), "\(errors)")
    }
}
