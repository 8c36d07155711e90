import Foundation
import XCTest
import TicketRushModel
import TicketRushChecks
import TicketRushReports

/// `--export elle`: the JSON elle-cli reads, checked against golden files derived by hand
/// (Tests/Fixtures/elle) and against the documented format (docs/events.md).
final class ElleExportTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/elle")

    private func golden(_ name: String) throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    private func export(_ s: TxnScript) -> String { ElleExport.json(s.txns, startNs: 1_000) }

    func testLostUpdateMatchesItsGoldenFile() throws {
        XCTAssertEqual(export(AnomalyCheckerTests.lostUpdate()), try golden("lost-update.json"))
    }

    func testAbortedRetryAndUnknownMatchTheirGoldenFile() throws {
        var s = TxnScript()
        s.read(0, 0, 0)
        s.abort(0)
        s.read(0, 0, 0)
        s.write(0, 0)
        s.commit(0)
        s.read(1, 0, 1025)
        s.write(1, 0)
        XCTAssertEqual(export(s), try golden("abort-retry-unknown.json"))
    }

    func testSerialReadOfAWrittenVersionMatchesItsGoldenFile() throws {
        var s = TxnScript()
        s.read(0, 0, 0)
        s.write(0, 0)
        s.commit(0)
        s.read(1, 0, 1025)
        s.write(1, 0)
        s.commit(1)
        XCTAssertEqual(export(s), try golden("serial.json"))
    }

    /// Every golden file, and a random export, keeps the documented format: an array of
    /// {type, f, value, process, index, time}; index is the position; each process
    /// alternates invoke and completion; writes are unique.
    func testExportsFollowTheDocumentedFormat() throws {
        var texts = try ["lost-update.json", "abort-retry-unknown.json", "serial.json"].map(golden)
        texts.append(export(AnomalyCheckerTests.writeSkew()))
        for text in texts {
            let ops = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], text)
            var open: [Int: Bool] = [:]
            var written = Set<String>()
            for (i, op) in ops.enumerated() {
                XCTAssertEqual(Set(op.keys), ["type", "f", "value", "process", "index", "time"], text)
                XCTAssertEqual(op["f"] as? String, "txn")
                XCTAssertEqual(op["index"] as? Int, i)
                XCTAssertNotNil(op["time"] as? Int)
                let type = try XCTUnwrap(op["type"] as? String)
                let process = try XCTUnwrap(op["process"] as? Int)
                XCTAssertEqual(open[process] ?? false, type != "invoke", "op \(i): \(type) on process \(process)")
                open[process] = type == "invoke"
                XCTAssertTrue(["invoke", "ok", "fail", "info"].contains(type))
                for m in try XCTUnwrap(op["value"] as? [[Any]]) {
                    XCTAssertEqual(m.count, 3)
                    let f = try XCTUnwrap(m[0] as? String)
                    XCTAssertTrue(f == "r" || f == "w")
                    XCTAssertNotNil(m[1] as? Int)
                    XCTAssertTrue(m[2] is NSNull || m[2] is Int)
                    if f == "w", type == "invoke" { XCTAssertTrue(written.insert("\(m[1])/\(m[2])").inserted, "a write repeated") }
                }
            }
        }
    }
}
