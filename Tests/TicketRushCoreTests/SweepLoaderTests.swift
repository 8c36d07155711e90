import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// `matrix`, `expect_by_cell` and `trials: {until: …}` as the loader reads them.
final class SweepLoaderTests: XCTestCase {
    private func load(_ yaml: String) throws -> [Scenario] {
        try ScenarioLoader().load(data: Data(yaml.utf8), path: "t.yaml")
    }

    private func errors(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map(\.description)
    }

    func testCrossProductNamesAndValues() throws {
        let cells = try load("""
            name: s
            tickets: 1
            buyers: 2
            lock: none
            matrix:
              lock.mode: [none, flock]
              buyers.count: [2, 10]
              delays.write: [0, 0.001]
            """)
        XCTAssertEqual(cells.count, 8)
        XCTAssertEqual(cells.map(\.name).prefix(3), [
            "s[lock.mode=none,buyers.count=2,delays.write=0]",
            "s[lock.mode=none,buyers.count=2,delays.write=1ms]",
            "s[lock.mode=none,buyers.count=10,delays.write=0]"])
        XCTAssertEqual(cells[7].lock.mode, .flock)
        XCTAssertEqual(cells[7].buyers.count, 10)
        XCTAssertEqual(cells[7].delays.write, .fixed(1_000_000))
        XCTAssertEqual(cells[7].cell?.index, 7)
        XCTAssertEqual(cells[7].cell?.baseName, "s")
        XCTAssertEqual(cells[7].cell?.value(of: "buyers.count"), "10")
        XCTAssertEqual(MatrixExpansion.crossProduct([2, 3]).count, 6)
    }

    /// The swept key may be absent from the document, even a required one.
    func testSweptRequiredKeyMayBeAbsent() throws {
        let cells = try load("name: s\ntickets: 1\nmatrix: {buyers.count: [3], time_scale: [0.5, 2]}\n")
        XCTAssertEqual(cells.map(\.buyers.count), [3, 3])
        XCTAssertEqual(cells.map(\.timeScale), [0.5, 2])
        XCTAssertEqual(cells[0].name, "s[buyers.count=3,time_scale=0.5]")
    }

    func testPerCellExpectationsLaterEntriesWin() throws {
        let cells = try load("""
            name: s
            tickets: 1
            buyers: 2
            expect: {no-undersell: violated}
            matrix: {lock.mode: [none, flock], buyers.count: [2, 10]}
            expect_by_cell:
              - where: {lock.mode: none}
                expect: {no-oversell: violated}
              - where: {lock.mode: none, buyers.count: 2}
                expect: {no-oversell: hold}
            """)
        let byName = Dictionary(uniqueKeysWithValues: cells.map { ($0.name, $0) })
        XCTAssertEqual(byName["s[lock.mode=none,buyers.count=10]"]?.expectation(for: .noOversell), .violated)
        XCTAssertEqual(byName["s[lock.mode=none,buyers.count=2]"]?.expectation(for: .noOversell), .hold)
        XCTAssertEqual(byName["s[lock.mode=flock,buyers.count=10]"]?.expectation(for: .noOversell), .hold)
        XCTAssertEqual(byName["s[lock.mode=flock,buyers.count=10]"]?.expectation(for: .noUndersell), .violated)
    }

    func testMatrixErrorsPointAtTheListItem() {
        let found = errors("""
            name: s
            tickets: 1
            buyers: 2
            matrix:
              lock.mode: [none, flok]
              buyers.count: []
              lock.colour: [red]
            """)
        XCTAssertEqual(found, [
            "t.yaml:5:21: error: 'matrix.lock.mode[1]' must be one of \(LockMode.allCases.map(\.rawValue).joined(separator: ", ")), got 'flok'; did you mean 'flock'?",
            "t.yaml:6:17: error: 'matrix.buyers.count' must list at least one value",
            "t.yaml:7:3: error: unknown key 'lock.colour' in 'matrix' (allowed: \(SweepSchema.sweepable(ScenarioSchema.scenarioFields).map(\.path).joined(separator: ", ")))",
        ])
    }

    func testCellExpectationErrors() {
        let found = errors("""
            name: s
            tickets: 1
            buyers: 2
            invariants: [no-oversell]
            matrix: {lock.mode: [none, flock]}
            expect_by_cell:
              - where: {buyers.count: 3}
                expect: {no-oversell: violated}
              - where: {lock.mode: none}
                expect: {conservation: violated}
            """)
        XCTAssertEqual(found, [
            "t.yaml:7:27: error: 'expect_by_cell[0].where.buyers.count' is not swept by 'matrix' (swept: lock.mode)",
            "t.yaml:10:14: error: 'expect_by_cell[1].expect.conservation' names an invariant that 'invariants' leaves out",
        ])
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\nmatrix: {buyers.count: [2, 3]}\nexpect_by_cell: [{where: {buyers.count: 4}, expect: {}}]\n"),
                       ["t.yaml:5:41: error: 'expect_by_cell[0].where.buyers.count' is 4, not one of the matrix values (2, 3)"])
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\nexpect_by_cell: []\n"),
                       ["t.yaml:4:17: error: 'expect_by_cell' needs a 'matrix' to choose cells from"])
    }

    func testTrialsUntil() throws {
        let s = try XCTUnwrap(load("name: s\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: 1%, confidence: 99%}, max: 5000}\n").first)
        XCTAssertEqual(s.trials, 5000)
        XCTAssertEqual(s.stopRule, StopRule(rateBelow: 0.01, confidence: 0.99))
        let plain = try XCTUnwrap(load("name: s\ntickets: 1\nbuyers: 2\ntrials: 7\n").first)
        XCTAssertEqual(plain.trials, 7)
        XCTAssertNil(plain.stopRule)
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: 0%}}\n"),
                       ["t.yaml:4:30: error: 'trials.until.rate_below' must be a rate such as 1% or 0.01, above 0 and below 100%, got '0%'"])
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\ntrials: {max: 3}\n"),
                       ["t.yaml:4:15: error: 'trials.max' only applies with 'trials.until'"])
    }

    func testHugeMatrixIsRefused() {
        let values = (1...101).map(String.init).joined(separator: ", ")
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\nmatrix: {tickets: [\(values)], buyers.count: [\(values)]}\n"),
                       ["t.yaml:4:9: error: 'matrix' expands to 10201 cells; at most 10000 are allowed"])
    }
}
