import Foundation
import XCTest

/// Issue 13's authoring findings through the built binary: `show` on folders, `validate`
/// on sweeps, and event folders a shell can name without quotes.
final class AuthoringPolishCLITests: XCTestCase {
    func testShowTakesFoldersAndItsOutputLoadsBack() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: one\ntickets: 1\nbuyers: 2\n", "set/a.yaml", dir)
        CLI.writeQuietly("name: two\ntickets: 2\nbuyers: 3\n---\nname: three\ntickets: 1\nbuyers: 1\n", "set/sub/b.yml", dir)
        CLI.writeQuietly("not a scenario", "set/notes.txt", dir)
        let shown = try CLI.run(["show", "set"], in: dir)
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.hasPrefix("# set/a.yaml\nname: one\n"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("---\n# set/sub/b.yml\nname: two\n"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("---\nname: three\n"), shown.stdout)
        CLI.writeQuietly(shown.stdout, "all.yaml", dir)
        let validate = try CLI.run(["validate", "all.yaml"], in: dir)
        XCTAssertEqual(validate.status, 0, validate.stdout)
        XCTAssertTrue(validate.stdout.contains("0 errors, "), validate.stdout)
        XCTAssertTrue(validate.stdout.contains("in 1 file (3 scenarios loaded)"), validate.stdout)

        // One bad file: every problem of every file on stderr, nothing on stdout, exit 2.
        CLI.writeQuietly("name: bad\ntickets: 1\n", "set/bad.yaml", dir)
        let refused = try CLI.run(["show", "set", "missing"], in: dir)
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("missing:1:1: error: no such file or folder"), refused.stderr)
        let alone = try CLI.run(["show", "set"], in: dir)
        XCTAssertEqual(alone.status, 2)
        XCTAssertEqual(alone.stderr, "set/bad.yaml:1:1: error: missing required key 'buyers'\n")
    }

    func testValidateNamesCellsAndPrintsASharedWarningOnce() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("""
            name: e
            tickets: 1
            buyers: 2
            lock: {scope: write}
            matrix:
              buyers.count: [2, 3, 4]
              lock.mode: [none, flock]
            invariants: [no-oversell, conservation]
            """, "e.yaml", dir)
        let result = try CLI.run(["validate", "e.yaml"], in: dir)
        XCTAssertEqual(result.status, 0, result.stdout)
        let lines = result.stdout.split(separator: "\n").filter { $0.contains("[scope-without-lock]") }
        XCTAssertEqual(lines.count, 1, result.stdout)
        XCTAssertTrue(lines.first?.contains("(in 3 cells: e[buyers.count=2,lock.mode=none], e[buyers.count=3,lock.mode=none], e[buyers.count=4,lock.mode=none])") ?? false, result.stdout)
        XCTAssertTrue(result.stdout.contains("0 errors, 2 warnings in 1 file (6 scenarios loaded)"), result.stdout)

        // Cross-key problems come with the first round of errors.
        CLI.writeQuietly("name: a\ntickets: 1\nbuyers: 10\nlock: flok\nfaults: [{kill: {buyers: [11], at: search.read}}]\n", "a.yaml", dir)
        let errors = try CLI.run(["validate", "a.yaml"], in: dir)
        XCTAssertEqual(errors.status, 2)
        XCTAssertTrue(errors.stdout.contains("a.yaml:4:7: error: 'lock' must be one of"), errors.stdout)
        XCTAssertTrue(errors.stdout.contains("a.yaml:5:27: error: 'faults[0].kill.buyers' names buyer 11, but the scenario has 10 buyers"), errors.stdout)
    }

    func testEventFoldersOfCellsHoldNoGlobCharacters() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("""
            name: cells
            tickets: 1
            buyers: 2
            trials: 1
            seed: 3
            matrix: {lock.mode: [none, flock]}
            expect_by_cell: [{where: {lock.mode: [none]}, expect: {no-oversell: violated, conservation: violated}}]
            """, "cells.yaml", dir)
        let events = dir.appendingPathComponent("events")
        let result = try CLI.run(["run", "cells.yaml", "--events", events.path, "--reports", dir.appendingPathComponent("r").path], in: dir)
        XCTAssertTrue([0, 1].contains(result.status), result.stderr)
        let folders = try FileManager.default.contentsOfDirectory(atPath: events.path).sorted()
        XCTAssertEqual(folders.count, 2, "\(folders)")
        for folder in folders {
            XCTAssertNil(folder.rangeOfCharacter(from: CharacterSet(charactersIn: "[]*?")), folder)
            XCTAssertTrue(folder.hasPrefix("cells_lock.mode="), folder)
            XCTAssertTrue(FileManager.default.fileExists(atPath: events.appendingPathComponent(folder).appendingPathComponent("trial-1.jsonl").path))
        }
    }
}
