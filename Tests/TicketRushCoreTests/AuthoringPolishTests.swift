import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat
import TicketRushChecks
import TicketRushReports

/// The authoring findings of issue 13: cross-key problems in the first pass, rates as numbers,
/// sweep messages that name their cells, `where` lists, matrix hints, glob-free folder names,
/// and the documentation that described the format wrongly.
final class AuthoringPolishTests: XCTestCase {
    private func errors(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map(\.description)
    }

    private func load(_ yaml: String) throws -> [Scenario] {
        try ScenarioLoader().load(data: Data(yaml.utf8), path: "t.yaml")
    }

    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func doc(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    // MARK: cross-key problems

    func testCrossKeyProblemsComeInTheSamePassAsOtherErrors() {
        let found = errors("""
            name: a
            tickets: 1
            buyers: 10
            lock: {mode: flok}
            invariants: [no-oversell]
            expect: {conservation: violated}
            faults:
              - kill: {buyers: [11], at: search.read}
            """)
        XCTAssertEqual(found, [
            "t.yaml:4:14: error: 'lock.mode' must be one of none, flock, fcntl, semaphore, mutex, lockfile, optimistic, transaction, row-lock, atomic, advisory, got 'flok'; did you mean 'flock'?",
            "t.yaml:6:10: error: 'expect.conservation' names an invariant that 'invariants' leaves out",
            "t.yaml:8:21: error: 'faults[0].kill.buyers' names buyer 11, but the scenario has 10 buyers",
        ])
    }

    func testCrossKeyChecksSkipKeysThatDidNotParse() {
        // The buyer count and the lock mode failed: nothing is judged against a default.
        let found = errors("""
            name: a
            tickets: 1
            buyers: {count: many}
            lock: {mode: flok}
            faults:
              - kill: {buyers: [11], at: lock.acquired}
            """)
        XCTAssertEqual(found.count, 2, found.joined(separator: "\n"))
        XCTAssertFalse(found.contains { $0.contains("buyer 11") || $0.contains("never fire") }, found.joined(separator: "\n"))
    }

    func testExpectByCellWithoutMatrixIsReportedWithOtherErrors() {
        let found = errors("name: a\ntickets: x\nbuyers: 2\nexpect_by_cell: [{where: {lock.mode: none}, expect: {no-oversell: violated}}]\n")
        XCTAssertEqual(found.count, 2, found.joined(separator: "\n"))
        XCTAssertTrue(found[1].contains("'expect_by_cell' needs a 'matrix'"), found[1])
    }

    // MARK: rates and quoted numbers

    func testRatesTakeNumbersAndPercents() throws {
        for (rate, confidence) in [("0.01", "0.95"), ("1%", "95%"), ("\"0.01\"", "\"95%\""), ("1 %", "0.95")] {
            let s = try XCTUnwrap(load("name: s\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: \(rate), confidence: \(confidence)}}\n").first)
            XCTAssertEqual(s.stopRule, StopRule(rateBelow: 0.01, confidence: 0.95), "\(rate), \(confidence)")
        }
    }

    func testRateMessagesSayWhatWasWritten() {
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: 1.5, confidence: \"0.3\"}}\n"), [
            "t.yaml:4:30: error: 'trials.until.rate_below' must be a rate such as 1% or 0.01, above 0 and below 100%, got 1.5",
            "t.yaml:4:47: error: 'trials.until.confidence' must be a confidence such as 95% or 0.99, from 50% to below 100%, got the string '0.3'",
        ])
        XCTAssertEqual(errors("name: s\ntickets: 1\nbuyers: 2\ntrials: {until: {rate_below: [1]}}\n"), [
            "t.yaml:4:30: error: 'trials.until.rate_below' must be a rate such as 1% or 0.01, above 0 and below 100%, got a list",
        ])
    }

    func testAQuotedNumberIsCalledAString() {
        XCTAssertEqual(errors("name: s\ntickets: \"5\"\nbuyers: 2\n"),
                       ["t.yaml:2:10: error: 'tickets' must be an integer >= 0, got the string '5'"])
        // A word stays a word.
        XCTAssertEqual(errors("name: s\ntickets: five\nbuyers: 2\n"),
                       ["t.yaml:2:10: error: 'tickets' must be an integer >= 0, got 'five'"])
    }

    // MARK: sweeps

    func testSweepErrorsNameTheCellsThatHaveThem() {
        let found = errors("""
            name: s
            tickets: 1
            buyers: 2
            faults:
              - kill: {buyers: [6], at: search.read}
            matrix:
              buyers.count: [2, 10]
              lock.mode: [none, flock]
            """)
        XCTAssertEqual(found, [
            "t.yaml:5:21: error: 'faults[0].kill.buyers' names buyer 6, but the scenario has 2 buyers (in 2 cells: s[buyers.count=2,lock.mode=none], s[buyers.count=2,lock.mode=flock])",
        ])
        // A problem every cell has reads as it does without a matrix.
        XCTAssertEqual(errors("name: s\ntickets: x\nbuyers: 2\nmatrix: {lock.mode: [none, flock]}\n"),
                       ["t.yaml:2:10: error: 'tickets' must be an integer >= 0, got 'x'"])
    }

    func testAWarningSharedByCellsIsReportedOnceWithTheirList() {
        let yaml = """
            name: e
            tickets: 1
            buyers: 2
            lock: {scope: write}
            matrix:
              buyers.count: [2, 3, 4]
              lock.mode: [none, flock]
            invariants: [no-oversell, conservation]
            """
        let report = ScenarioValidator.validate(["-"], stdin: Data(yaml.utf8), stdinName: "e.yaml")
        let lines = report.all.map(\.description)
        XCTAssertEqual(lines.filter { $0.contains("[scope-without-lock]") }, [
            "e.yaml:4:15: warning: lock.scope has no effect while lock.mode is none; remove it or choose a lock mode (in 3 cells: e[buyers.count=2,lock.mode=none], e[buyers.count=3,lock.mode=none], e[buyers.count=4,lock.mode=none]) [scope-without-lock]",
        ])
        XCTAssertEqual(report.warningCount, 2, lines.joined(separator: "\n"))
        XCTAssertEqual(MatrixExpansion.cellList((1...10).map { "c\($0)" }, of: 10), "in all 10 cells: c1, c2, c3, c4, c5, c6, c7, c8 and 2 more")
    }

    func testWhereTakesAListOfValues() throws {
        let cells = try load("""
            name: s
            tickets: 1
            buyers: 2
            matrix: {lock.mode: [none, flock, fcntl]}
            expect_by_cell:
              - where: {lock.mode: [none, fcntl]}
                expect: {no-oversell: violated}
            """)
        XCTAssertEqual(cells.map { $0.expect[.noOversell] }, [.violated, nil, .violated])
        XCTAssertEqual(errors("""
            name: s
            tickets: 1
            buyers: 2
            matrix: {lock.mode: [none, flock]}
            expect_by_cell:
              - where: {lock.mode: [none, fcntl]}
                expect: {no-oversell: violated}
            """), ["t.yaml:6:31: error: 'expect_by_cell[0].where.lock.mode[1]' is fcntl, not one of the matrix values (none, flock)"])
    }

    func testMatrixOfAWholeKeySuggestsItsShorthand() {
        let found = errors("name: s\ntickets: 1\nbuyers: 2\nmatrix: {buyers: [2, 10]}\n")
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].hasPrefix("t.yaml:4:10: error: unknown key 'buyers' in 'matrix'; did you mean 'buyers.count'?"), found[0])
        let delays = errors("name: s\ntickets: 1\nbuyers: 2\nmatrix: {delays: [1ms]}\n")
        XCTAssertTrue(delays[0].contains("name a key inside it: delays.search, delays.write, delays.truncate, delays.start"), delays[0])
    }

    // MARK: folder names

    func testFolderNamesHoldNoGlobCharactersAndStayUnique() {
        let names = ["s[lock.mode=none,buyers.count=2]", "s_lock.mode=none,buyers.count=2_", "s(lock.mode=none,buyers.count=2)",
                     "a*b", "a?b", "a_b", "plain"]
        let slugs = names.map(slug)
        for s in slugs { XCTAssertNil(s.rangeOfCharacter(from: CharacterSet(charactersIn: "[]*?/ ")), s) }
        XCTAssertEqual(Set(slugs).count, names.count, "\(slugs)")
        XCTAssertEqual(slug("plain"), "plain")
        XCTAssertTrue(slug("s[a=1]").hasPrefix("s_a=1_-"), slug("s[a=1]"))
    }

    // MARK: documentation

    func testSweepsDocListsEverySweepableKey() throws {
        let text = try doc("docs/sweeps.md")
        let section = try XCTUnwrap(text.components(separatedBy: "## What can be swept").dropFirst().first?.components(separatedBy: "\n## ").first)
        let paragraph = section.components(separatedBy: "\n\n").first { $0.contains("Any leaf key") } ?? ""
        let listed = paragraph.components(separatedBy: ":").dropFirst().joined(separator: ":")
        for (path, _, _) in SweepSchema.sweepable(ScenarioSchema.scenarioFields) {
            XCTAssertTrue(listed.contains("`\(path)`"), "docs/sweeps.md does not list \(path)")
        }
        for key in SweepSchema.unsweepable { XCTAssertTrue(paragraph.contains("`\(key)`"), "docs/sweeps.md does not exclude \(key)") }
    }

    func testResultsDocCountsTheInvariantColumns() throws {
        let words = [5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 19: "nineteen", 22: "twenty-two", 23: "twenty-three"]
        let count = Invariant.allCases.count
        XCTAssertTrue(try doc("docs/results.md").contains("(all \(words[count] ?? "\(count)"), in registry order)"))
        let results = RunResults(shard: nil, startedAt: 1, cells: [CellRecord(Scenario(name: "s", tickets: 1, buyers: BuyerGroup(count: 2)), seed: 1, trials: 1)], trials: [])
        let header = ResultsCSV.text(results).split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertEqual(Invariant.allCases.filter { header.split(separator: ",").contains(Substring($0.rawValue)) }.count, count, header)
    }

    func testReadmeSampleOutputIsInTheOrderRunPrints() throws {
        let readme = try doc("README.md")
        let shown = readme.split(separator: "\n").filter { $0.hasPrefix("PASS  ") || $0.hasPrefix("FAIL  ") }
            .map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
        // The README shows the whole first run (`run scenarios/first`): every cell, in the
        // order run prints them (the folder expanded and sorted, each file's documents in order).
        let first = try ScenarioFiles.load([Self.root.appendingPathComponent("scenarios/first").path])
        XCTAssertEqual(shown, first.map(\.name), "README's sample output is not what `run scenarios/first` prints")
    }

    func testSummaryExampleShowsOnlyKeysItsCellHas() throws {
        // The example is a cell of a fixed trial count: every key it shows, such a cell writes.
        let text = try doc("docs/results.md")
        let block = try XCTUnwrap(text.components(separatedBy: "## summary.json").dropFirst().first?
            .components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "```").first)
        let example = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(block.utf8)) as? [String: Any])
        let exampleCell = try XCTUnwrap((example["cells"] as? [[String: Any]])?.first)
        var scenario = Scenario(name: "s", tickets: 1, buyers: BuyerGroup(count: 2))
        scenario.thresholds = [try Threshold.parse("< 100ms", metric: .latencyP99).get()]
        let h = TrialHistory(trial: 0, seed: 1, tickets: 1, buyerNames: ["a", "b"], wants: 1,
                             events: [Event(tNs: 1, buyer: 0, task: 0, kind: .bought)],
                             exits: [.exited(code: 0), .exited(code: 0)], finalRead: .count(0))
        let trial = TrialRecord(history: h, scenario: "s", results: [NoOversellChecker().judge(h)], keepTimeline: false)
        let results = RunResults(shard: nil, startedAt: 1, cells: [CellRecord(scenario, seed: 1, trials: 1)], trials: [trial])
        let real = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(SummaryJSON.text(results).utf8)) as? [String: Any])
        let realCell = try XCTUnwrap((real["cells"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(exampleCell.keys).subtracting(realCell.keys), [], "keys the example shows that a fixed-count cell does not write")
        XCTAssertEqual(Set(example.keys).subtracting(real.keys), [])
    }
}
