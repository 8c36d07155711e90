import Foundation
import XCTest
import TicketRushFormat
import TicketRushRunner

/// Error messages as a table: YAML in, every `line:column: error: message` out.
final class LoaderErrorTests: XCTestCase {
    static let base = "name: t\ntickets: 1\nbuyers: 2\n"

    struct Case {
        var yaml: Data
        var expected: [String]
        var line: UInt

        init(_ yaml: String, _ expected: [String], line: UInt = #line) {
            self.init(bytes: Data(yaml.utf8), expected, line: line)
        }

        init(bytes: Data, _ expected: [String], line: UInt = #line) {
            self.yaml = bytes
            self.expected = expected
            self.line = line
        }
    }

    static let cases: [Case] = [
        Case("name: t\ntickets: 1\nbuyers: [1\n",
             ["4:1: error: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at 3:9)"]),
        Case("name: t\n\ttickets: 1\n",
             ["2:1: error: YAML syntax: found a tab character that violates indentation (while scanning a plain scalar at 1:7)"]),
        Case(base + "lock_mode: flock\n",
             ["4:1: error: unknown key 'lock_mode' in scenario; did you mean 'lock'? (allowed: \(SchemaText.keys()))"]),
        Case(base + "buyers_count: 3\n",
             ["4:1: error: unknown key 'buyers_count' in scenario; did you mean 'buyers'? (allowed: \(SchemaText.keys()))"]),
        Case(base + "lock: {mode: flock, scop: task}\n",
             ["4:21: error: unknown key 'scop' in 'lock'; did you mean 'scope'? (allowed: \(SchemaText.keys("lock")))"]),
        Case(base + "lock: {scope: everything}\n",
             ["4:15: error: 'lock.scope' must be one of purchase, task, write, got 'everything'"]),
        Case(base + "lock: flok\n",
             ["4:7: error: 'lock' must be one of \(SchemaText.lockModes), got 'flok'; did you mean 'flock'?"]),
        Case("name: t\ntickets: many\nbuyers: 2\n",
             ["2:10: error: 'tickets' must be an integer >= 0, got 'many'"]),
        Case("name: t\ntickets: 1.5\nbuyers: 2\n",
             ["2:10: error: 'tickets' must be an integer >= 0, got the number 1.5"]),
        Case("name: 2024\ntickets: 1\nbuyers: 2\n",
             ["1:7: error: 'name' must be a string, got the number 2024 (quote it: \"2024\")"]),
        Case(base + "storage: db.json\n",
             ["4:10: error: 'storage' must be a mapping with keys kind, path, write, journal, busy_timeout, url, isolation, got 'db.json'"]),
        Case(base + "time_scale: 0\n", ["4:13: error: 'time_scale' must be a number > 0, got 0"]),
        Case(base + "trials: 0\n", ["4:9: error: 'trials' must be from 1 to 1000000, got 0"]),
        Case(base + "seed: -4\n", ["4:7: error: 'seed' must be >= 0, got -4"]),
        Case("name: t\ntickets: 1\nbuyers: 200000\n", ["3:9: error: 'buyers' must be from 1 to 100000, got 200000"]),
        Case(base + "timeout: yes\n",
             ["4:10: error: 'timeout' must be a duration such as 1s, 250ms, 40us, 2m or a number of seconds (not negative), got 'yes'"]),
        Case(base + "storage: {path: /etc/passwd}\n",
             ["4:17: error: 'storage.path' must be relative to the trial folder, not absolute: '/etc/passwd'"]),
        Case(base + "storage: {path: ../db.json}\n",
             ["4:17: error: 'storage.path' may not leave the trial folder ('..'): '../db.json'"]),
        Case(base + "storage: {path: data/../../db.json}\n",
             ["4:17: error: 'storage.path' may not leave the trial folder ('..'): 'data/../../db.json'"]),
        Case(base + "storage: {path: data/}\n",
             ["4:17: error: 'storage.path' must name a file, not a folder: 'data/'"]),
        Case("", ["1:1: error: empty scenario file: expected a mapping with at least name, tickets and buyers"]),
        Case("# only a comment\n", ["1:1: error: empty scenario file: expected a mapping with at least name, tickets and buyers"]),
        Case("x-base: &b {tickets: 1}\n", ["1:1: error: file holds only base documents (every key starts with 'x-'), no scenario"]),
        Case(bytes: Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xFF, 0x0A]), ["1:7: error: file is not valid UTF-8"]),
        Case(bytes: Data("name: t\ntickets: 1\0\n".utf8), ["2:11: error: file contains a NUL byte"]),
        Case(bytes: Data("name: t\r\ntickets: 1\r\nbuyers: 2\0\r\n".utf8), ["3:10: error: file contains a NUL byte"]),
        Case("name: t\r\ntickets: 1\r\nbuyers: 2\r\nlock: {mode: flok}\r\n",
             ["4:14: error: 'lock.mode' must be one of \(SchemaText.lockModes), got 'flok'; did you mean 'flock'?"]),
        Case("name: t\r\ntickets: 1\r\nbuyers: 2\r\ntickets: 3\r\n",
             ["4:1: error: duplicate key 'tickets' in one mapping (first at line 2); YAML allows each key once"]),
        Case(base + "tickets: 2\n",
             ["4:1: error: duplicate key 'tickets' in one mapping (first at line 2); YAML allows each key once"]),
        Case(base + "lock:\n  mode: flock\n  mode: none\n",
             ["6:3: error: duplicate key 'mode' in one mapping (first at line 5); YAML allows each key once"]),
        // A repeated key does not hide the file's other problems.
        Case(base + "tickets: 2\nlock: {mode: flok}\nbuyers: 3\n---\nname: u\ntickets: x\nbuyers: 1\n", [
            "4:1: error: duplicate key 'tickets' in one mapping (first at line 2); YAML allows each key once",
            "5:14: error: 'lock.mode' must be one of \(SchemaText.lockModes), got 'flok'; did you mean 'flock'?",
            "6:1: error: duplicate key 'buyers' in one mapping (first at line 3); YAML allows each key once",
            "9:10: error: 'tickets' must be an integer >= 0, got 'x'",
        ]),
        Case("name: t\ntickets: 1\nbuyers: 2\nexpect:\n  no-oversell: hold\n  no-oversell: violated\n  conservation: maybe\n", [
            "6:3: error: duplicate key 'no-oversell' in one mapping (first at line 5); YAML allows each key once",
            "7:17: error: 'expect.conservation' must be one of hold, violated, got 'maybe'",
        ]),
        Case(base + "---\n" + base, ["5:7: error: duplicate scenario name 't' (first at t.yaml:1:7)"]),
        Case("tickets: 1\n", ["1:1: error: missing required key 'name'", "1:1: error: missing required key 'buyers'"]),
        Case(base + "delays: {search: -1s, write: 10 parsecs, start: {uniform: [2s, 1s]}, truncate: {uniform: 5ms}}\n", [
            "4:18: error: 'delays.search' must be a duration such as 1s, 250ms, 40us, 2m or a number of seconds (not negative), got '-1s'",
            "4:30: error: 'delays.write' must be a duration such as 1s, 250ms, 40us, 2m or a number of seconds (not negative), got '10 parsecs'",
            "4:59: error: 'delays.start.uniform' min 2s must not exceed max 1s",
            "4:90: error: 'delays.truncate.uniform' must be a list of two durations [min, max]",
        ]),
        Case(base + "delays: {search: {gauss: 1s}}\n",
             ["4:19: error: 'delays.search' must be a duration or {uniform: [min, max]}"]),
        Case(base + "expect: {no-oversell: maybe, no-overselling: violated}\n", [
            "4:23: error: 'expect.no-oversell' must be one of hold, violated, got 'maybe'",
            "4:30: error: unknown key 'no-overselling' in 'expect'; did you mean 'no-oversell'? (allowed: \(SchemaText.invariants))",
        ]),
        Case(base + "invariants: [no-oversell]\nexpect: {conservation: violated}\n",
             ["5:10: error: 'expect.conservation' names an invariant that 'invariants' leaves out"]),
        // An anomaly the chosen model allows: snapshot isolation permits phantoms and write skew.
        Case(base + "invariants: [snapshot-isolation]\nexpect: {g2: violated, lost-update: violated, g2-item: hold}\n", [
            "5:10: error: 'expect.g2' names g2, an anomaly that snapshot-isolation allows: judge it under a model that forbids it (serializable)",
            "5:47: error: 'expect.g2-item' names g2-item, an anomaly that snapshot-isolation allows: judge it under a model that forbids it (serializable or repeatable-read)",
        ]),
        Case(base + "invariants: [read-committed]\nmatrix: {lock.mode: [none, flock]}\nexpect_by_cell:\n  - where: {lock.mode: none}\n    expect: {lost-update: violated}\n",
             ["8:14: error: 'expect_by_cell[0].expect.lost-update' names lost-update, an anomaly that read-committed allows: judge it under a model that forbids it (serializable or snapshot-isolation or repeatable-read)"]),
        Case(base + "invariants: [serializable]\nexpect: {g3: violated}\n",
             ["5:10: error: unknown key 'g3' in 'expect'; did you mean 'g0'? (allowed: \(SchemaText.invariants))"]),
        Case(base + "invariants: [no-oversell]\nexpect: {lost-update: violated}\n",
             ["5:10: error: 'expect.lost-update' names an invariant that 'invariants' leaves out"]),
        Case(base + "invariants: [no-oversell, no-oversell]\n", ["4:27: error: 'invariants' lists 'no-oversell' twice"]),
        Case(base + "<<: 5\n",
             ["4:5: error: '<<' in scenario must merge a mapping or a list of mappings (such as *base), got the number 5"]),
        Case("- 1\n- 2\n",
             ["1:1: error: scenario must be a mapping with keys \(SchemaText.keys()), got a list"]),
        Case("name: t\ntickets: 1\nbuyers: 2\nx-base: *missing\n",
             ["4:9: error: YAML syntax: found undefined alias"]),
        // Every problem of every document at once, not only the first.
        Case("name: a\ntickets: -1\nbuyers: 0\nlock: {mode: spin}\n---\nname: b\ntickets: 1\nbuyers: 1\ntrials: lots\n", [
            "2:10: error: 'tickets' must be >= 0, got -1",
            "3:9: error: 'buyers' must be from 1 to 100000, got 0",
            "4:14: error: 'lock.mode' must be one of \(SchemaText.lockModes), got 'spin'",
            "9:9: error: 'trials' must be an integer from 1 to 1000000, got 'lots'",
        ]),
    ]

    func testErrorMessages() {
        for c in Self.cases {
            let found = ScenarioLoader().check(data: c.yaml, path: "t.yaml").diagnostics.map {
                "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
            }
            XCTAssertEqual(found, c.expected, String(decoding: c.yaml, as: UTF8.self), line: c.line)
        }
    }

    /// Every case is an error the runner refuses, as `load` throws.
    func testEveryCaseFailsToLoad() {
        for c in Self.cases {
            XCTAssertThrowsError(try ScenarioLoader().load(data: c.yaml, path: "t.yaml"), line: c.line)
        }
    }
}
