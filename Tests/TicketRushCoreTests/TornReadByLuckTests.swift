import Foundation
import XCTest
@testable import TicketRushModel
@testable import TicketRushFormat

/// issue 19, "No false red either": no shipped timing scenario may expect no-torn-read to
/// hold where an unlocked read can meet an in-place write; the lint rule keeps it so.
final class TornReadByLuckTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func findings(_ text: String) throws -> [String] {
        let (documents, errors) = ScenarioLoader().inspect(data: Data(text.utf8), path: "t.yaml")
        XCTAssertEqual(errors, [], "the scenario must load")
        return documents.flatMap { LintRule.tornReadByLuck.check($0) }
            .map { "\($0.location.line):\($0.location.column)" }
    }

    static let seedMutex = "name: t\ntickets: 1\nbuyers: 10\ndelays: {search: 1s, write: 1s}\ntime_scale: 0.01\ntrials: 20\n"

    func testTheTutorialsFixUnderTimingIsFlagged() throws {
        // seed-mutex as it shipped: the search is outside the lock, writes truncate in place.
        XCTAssertEqual(try findings(Self.seedMutex + "lock: {mode: flock, scope: purchase}\n"), ["7:7"])
        // Every excluding lock alike; a written expectation is where the warning points.
        XCTAssertEqual(try findings(Self.seedMutex + "lock: {mode: mutex, scope: purchase}\nexpect: {no-torn-read: hold}\n"), ["8:24"])
        // Optimistic never locks a read, whatever the scope.
        XCTAssertEqual(try findings(Self.seedMutex + "lock: {mode: optimistic, scope: task}\n"), ["7:7"])
        // The write alone: nothing covers the reads.
        XCTAssertEqual(try findings(Self.seedMutex + "lock: {mode: flock, scope: write}\nexpect: {no-oversell: violated}\n"), ["7:7"])
        XCTAssertEqual(try findings(Self.seedMutex + "lock: fcntl\nstorage: {write: in-place}\n"), ["8:18"])
        XCTAssertEqual(try findings(Self.seedMutex + "lock: semaphore\ninvariants: [no-oversell, no-torn-read]\n"), ["8:13"])
        // Without a lock every invariant holds by luck alone: not this rule's concern.
        XCTAssertEqual(try findings(Self.seedMutex + "storage: {write: in-place}\n"), [])
    }

    func testEachHonestFixIsClean() throws {
        let purchase = "lock: {mode: flock, scope: purchase}\n"
        // Atomic writes: a reader sees the old or the new document.
        XCTAssertEqual(try findings(Self.seedMutex + purchase + "storage: {write: atomic}\n"), [])
        // The search locked: scope task with an excluding lock.
        XCTAssertEqual(try findings(Self.seedMutex + "lock: {mode: fcntl, scope: task}\n"), [])
        // Not asserted: no-torn-read left out, or expected violated.
        XCTAssertEqual(try findings(Self.seedMutex + purchase + "invariants: [no-oversell, conservation]\n"), [])
        XCTAssertEqual(try findings(Self.seedMutex + purchase + "expect: {no-torn-read: violated}\n"), [])
        // A controlled schedule proves it either way; one buyer cannot race; a database does not tear.
        XCTAssertEqual(try findings(Self.seedMutex + purchase + "schedule: exhaustive\n"), [])
        XCTAssertEqual(try findings("name: t\ntickets: 1\nbuyers: 1\n" + purchase), [])
        XCTAssertEqual(try findings(Self.seedMutex + "storage: {kind: sqlite}\nlock: transaction\n"), [])
    }

    func testTheRuleIsOneThatValidateRuns() {
        XCTAssertTrue(ScenarioLint.rules.contains { $0.id == "torn-read-by-luck" })
    }

    /// The shipped timing scenarios expect nothing that holds only by luck.
    func testNoShippedScenarioExpectsATornReadToHoldByLuck() throws {
        let files = try ScenarioFiles.expand([Self.root.appendingPathComponent("scenarios").path])
        XCTAssertGreaterThan(files.count, 20)
        var flagged: [String] = []
        for file in files {
            let (documents, errors) = ScenarioLoader().inspect(data: try Data(contentsOf: URL(fileURLWithPath: file)), path: file)
            XCTAssertEqual(errors, [], file)
            for document in documents where !LintRule.tornReadByLuck.check(document).isEmpty {
                flagged.append(document.scenario.name)
            }
        }
        XCTAssertEqual(flagged, [], "these expect no-torn-read to hold by luck")
    }
}
