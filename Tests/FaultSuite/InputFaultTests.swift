import Foundation
import XCTest

/// Hostile scenario files and arguments: colliding names, overflowing values, loader
/// complexity attacks, control characters, formula cells, over-long names; and the small
/// usage faults of issue 9 item 15.
final class InputFaultTests: XCTestCase {
    /// `file:line:col: error:` somewhere in the output.
    func assertLocatedError(_ r: FaultCLI.Result, _ path: String, containing text: String, file: StaticString = #filePath, line: UInt = #line) {
        let all = r.stdout + r.stderr
        XCTAssertEqual(r.status, 2, all, file: file, line: line)
        XCTAssertNotNil(all.range(of: "\(path):[0-9]+:[0-9]+: error: [^\n]*\(text)", options: .regularExpression), all, file: file, line: line)
    }

    /// Item 5: "rush a" and "rush_a" under --jobs 2 get folders of their own; events name the scenario.
    func testCollidingSlugsUnderJobs() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let doc = { (name: String) in "name: \(name)\ntickets: 4\nbuyers: 4\nlock: flock\nstorage: {write: atomic}\ndelays: {write: 2ms}\ntrials: 6\nseed: 3\n" }
        let file = try FaultCLI.write("---\n" + doc("\"rush a\"") + "---\n" + doc("rush_a"), to: "twins.yaml", in: tmp)
        let events = tmp.appendingPathComponent("events")
        let r = try FaultCLI.run(["run", file, "--jobs", "2", "--reports", tmp.appendingPathComponent("r").path,
                                  "--work", tmp.appendingPathComponent("w").path, "--events", events.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let folders = try FileManager.default.contentsOfDirectory(atPath: events.path).sorted()
        XCTAssertEqual(folders.count, 2, "\(folders)")
        for folder in folders {
            let logs = try FileManager.default.contentsOfDirectory(atPath: events.appendingPathComponent(folder).path)
            XCTAssertEqual(logs.count, 6, "\(folder): \(logs)")
            let text = try String(contentsOf: events.appendingPathComponent(folder).appendingPathComponent("trial-1.jsonl"), encoding: .utf8)
            let name = folder == "rush_a" ? "rush_a" : "rush a"
            XCTAssertTrue(text.split(separator: "\n").allSatisfy { $0.contains("\"scenario\":\"\(name)\"") }, "\(folder): \(text.prefix(200))")
        }
    }

    /// Item 6: scaled delays and stalls that overflow stop at load with a located error.
    func testOverflowingValuesAreLocatedErrors() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let stall = try FaultCLI.write("""
            name: stall
            tickets: 1
            buyers: 2
            time_scale: 1e300
            faults:
              - stall: {buyers: [1], at: search.read, for: 1s}
            """, to: "stall.yaml", in: tmp)
        let delay = try FaultCLI.write("name: delay\ntickets: 1\nbuyers: 2\ntime_scale: 1e10\ndelays: {write: 1s}\n", to: "delay.yaml", in: tmp)
        for path in [stall, delay] {
            assertLocatedError(try FaultCLI.run(["validate", path]), path, containing: "time_scale")
            assertLocatedError(try FaultCLI.run(["run", path, "--reports", tmp.appendingPathComponent("r").path, "--quiet"]), path, containing: "time_scale")
        }
        let fine = try FaultCLI.write("name: fine\ntickets: 1\nbuyers: 2\nseed: 1\n", to: "fine.yaml", in: tmp)
        let r = try FaultCLI.run(["run", fine, "--trials", "1000000000000", "--reports", tmp.appendingPathComponent("r").path], timeout: 30)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--trials"), r.stderr)
    }

    /// Item 6: merge of a shard whose N is negative or huge: exit 2, no trap, no huge allocation.
    func testMergeWithHostileShardNumbers() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("name: m\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\nseed: 1\ntrials: 2\n", to: "m.yaml", in: tmp)
        let shard = tmp.appendingPathComponent("s1")
        let run = try FaultCLI.run(["run", file, "--shard", "1/2", "--reports", shard.path, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let original = try String(contentsOf: shard.appendingPathComponent("trials.json"), encoding: .utf8)
        XCTAssertTrue(original.contains("\"shard\":{\"k\":1,\"n\":2}"), String(original.prefix(200)))
        for bad in ["{\"k\":1,\"n\":-2}", "{\"k\":-1,\"n\":-1}", "{\"k\":1,\"n\":4611686018427387904}", "{\"k\":1}"] {
            try original.replacingOccurrences(of: "\"shard\":{\"k\":1,\"n\":2}", with: "\"shard\":\(bad)")
                .write(to: shard.appendingPathComponent("trials.json"), atomically: true, encoding: .utf8)
            let r = try FaultCLI.run(["merge", shard.path, "--reports", tmp.appendingPathComponent("merged").path], timeout: 30)
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
        }
    }

    /// Item 10: the loader's bounds end each attack with a clear error (timing: benchmarks/loader-attacks.py).
    func testLoaderAttacksEndWithClearErrors() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        var chain = ["x-l0: &l0 {tickets: 1}"]
        for i in 1...40 { chain.append("x-l\(i): &l\(i) {<<: [*l\(i - 1), *l\(i - 1)]}") }
        chain.append("<<: *l40\nname: chain\nbuyers: 1")
        let chainPath = try FaultCLI.write(chain.joined(separator: "\n") + "\n", to: "chain.yaml", in: tmp)
        assertLocatedError(try FaultCLI.run(["validate", chainPath], timeout: FaultCLI.attackTimeout), chainPath, containing: "expands to more than")

        // Empty mappings: the count is the attack; three plain scalars a document cost the debug
        // build 7 CPU-seconds of scalar resolution and prove nothing more.
        let many = try FaultCLI.write(String(repeating: "---\n{}\n", count: 10_001), to: "many.yaml", in: tmp)
        assertLocatedError(try FaultCLI.run(["validate", many], timeout: FaultCLI.attackTimeout), many, containing: "more than 10000 YAML documents")

        let filler = String(repeating: "# " + String(repeating: "x", count: 98) + "\n", count: 100_000)
        let repeated = try FaultCLI.write("name: big\ntickets: 1\nbuyers: 1\n" + String(repeating: "tickets: 2\n", count: 60) + filler, to: "repeated.yaml", in: tmp)
        let r = try FaultCLI.run(["validate", repeated], timeout: FaultCLI.attackTimeout)
        assertLocatedError(r, repeated, containing: "duplicate key 'tickets'")
        XCTAssertTrue(r.stdout.contains("stopped looking for more repeated keys"), r.stdout.suffix(300).description)

        let z = try FaultCLI.run(["validate", "-"], stdin: "/dev/zero", timeout: FaultCLI.attackTimeout)
        XCTAssertEqual(z.status, 2, z.stderr)
        XCTAssertTrue(z.stderr.contains("<stdin>:1:1: error: standard input is larger than 16 MiB"), z.stderr)

        let deep = try FaultCLI.write("name: deep\ntickets: 1\nbuyers: 1\nx-deep: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n", to: "deep.yaml", in: tmp)
        let d = try FaultCLI.run(["validate", deep])
        assertLocatedError(d, deep, containing: "nests deeper than 1000 levels")
        XCTAssertFalse(d.stdout.contains("yaml_"), "item 15: libyaml's function name leaks: \(d.stdout)")
    }

    /// Item 11: control characters in names are shown as \u001b, in run and validate output alike.
    func testControlCharactersAreShownVisibly() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let name = "evil\\e[31m\\n::error::injected"
        let file = try FaultCLI.write("name: \"\(name)\"\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\nseed: 1\n---\nname: \"\(name)\"\ntickets: 1\nbuyers: 2\n",
                                      to: "evil.yaml", in: tmp)
        for format in ["text", "github"] {
            let v = try FaultCLI.run(["validate", file, "--format", format])
            XCTAssertFalse(v.stdout.contains("\u{1B}"), "\(format): raw escape")
            XCTAssertTrue(v.stdout.contains("\\u001b"), "\(format): \(v.stdout)")
            XCTAssertFalse(v.stdout.split(separator: "\n").contains { $0.hasPrefix("::error::injected") })
        }
        let one = try FaultCLI.write("name: \"\(name)\"\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\nseed: 1\n", to: "one.yaml", in: tmp)
        let r = try FaultCLI.run(["run", one, "--reports", tmp.appendingPathComponent("r").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertFalse((r.stdout + r.stderr).contains("\u{1B}"), "raw escape on the terminal")
        XCTAssertFalse((r.stdout + r.stderr).split(separator: "\n").contains { $0.hasPrefix("::error::injected") }, r.stdout)
    }

    /// Item 12: results.csv cells that a spreadsheet would run as formulas get a leading '.
    func testCSVFormulaCellsArePrefixed() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("name: \"=HYPERLINK(1)\"\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\nseed: 1\n", to: "f.yaml", in: tmp)
        let reportsDir = tmp.appendingPathComponent("r")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"]))
        let csv = try String(contentsOf: reportsDir.appendingPathComponent("results.csv"), encoding: .utf8)
        let row = csv.split(separator: "\n")[1]
        XCTAssertTrue(row.hasPrefix("'=HYPERLINK(1)"), String(row))
    }

    /// Item 14: a name or storage path too long for the folders a trial makes fails validate.
    func testOverlongNamesFailValidate() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let long = String(repeating: "n", count: 300)
        let name = try FaultCLI.write("name: \(long)\ntickets: 1\nbuyers: 2\n", to: "name.yaml", in: tmp)
        assertLocatedError(try FaultCLI.run(["validate", name]), name, containing: "NAME_MAX")
        let path = try FaultCLI.write("name: p\ntickets: 1\nbuyers: 2\nstorage: {path: \(long).json}\n", to: "path.yaml", in: tmp)
        assertLocatedError(try FaultCLI.run(["validate", path]), path, containing: "NAME_MAX")
        let deep = try FaultCLI.write("name: d\ntickets: 1\nbuyers: 2\nstorage: {path: \(Array(repeating: String(repeating: "d", count: 200), count: 20).joined(separator: "/"))/db.json}\n", to: "deep.yaml", in: tmp)
        assertLocatedError(try FaultCLI.run(["validate", deep]), deep, containing: "PATH_MAX")
    }

    /// Item 15: the small usage faults.
    func testUsageFaults() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try FaultCLI.write("name: u\ndescription: the u scenario\ntickets: 1\nbuyers: 2\nlock: flock\nstorage: {write: atomic}\nseed: 1\ntrials: 2\n", to: "u.yaml", in: tmp)
        // --trial past the count.
        var r = try FaultCLI.run(["run", file, "--trial", "5", "--reports", tmp.appendingPathComponent("r0").path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--trial 5"), r.stderr)
        // description reaches JUnit and summary.json.
        let reportsDir = tmp.appendingPathComponent("r1")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"]))
        XCTAssertTrue(try String(contentsOf: reportsDir.appendingPathComponent("junit.xml"), encoding: .utf8).contains("name=\"description\" value=\"the u scenario\""))
        XCTAssertTrue(try String(contentsOf: reportsDir.appendingPathComponent("summary.json"), encoding: .utf8).contains("\"description\": \"the u scenario\""))
        // merge --reports into a shard folder.
        let s1 = tmp.appendingPathComponent("s1"), s2 = tmp.appendingPathComponent("s2")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--shard", "1/2", "--reports", s1.path, "--quiet"]))
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--shard", "2/2", "--reports", s2.path, "--quiet"]))
        let before = try Data(contentsOf: s1.appendingPathComponent("trials.json"))
        r = try FaultCLI.run(["merge", s1.path, s2.path, "--reports", s1.path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(try Data(contentsOf: s1.appendingPathComponent("trials.json")), before, "the shard was overwritten")
        // timeout: 0 warns.
        let zero = try FaultCLI.write("name: z\ntickets: 1\nbuyers: 2\ntimeout: 0\n", to: "z.yaml", in: tmp)
        r = try FaultCLI.run(["validate", zero])
        XCTAssertTrue(r.stdout.contains("warning") && r.stdout.contains("timeout-zero"), r.stdout)
        // new "" makes no ".yaml".
        r = try FaultCLI.run(["new", ""], in: tmp)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent(".yaml").path))
        // "cannot be read" says why.
        r = try FaultCLI.run(["validate", "/proc/self/mem"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stdout.contains("cannot be read: "), r.stdout)
    }
}
