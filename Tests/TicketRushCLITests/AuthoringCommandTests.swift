import Foundation
import XCTest

/// validate, show, schema and new through the built binary, with their exit codes.
final class AuthoringCommandTests: XCTestCase {
    static let clean = "name: ok\ntickets: 1\nbuyers: 10\ndelays: {write: 1s}\ntime_scale: 0.01\ntrials: 5\n"

    func testValidateCleanFilesExitZero() throws {
        let root = CLI.repositoryRoot.path
        let result = try CLI.run(["validate", "\(root)/scenarios"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("\n0 errors, ") || result.stdout.hasPrefix("0 errors, "), result.stdout)
        // A sweep file loads one scenario per matrix cell, so scenarios can outnumber files.
        XCTAssertTrue(result.stdout.contains(" in \(try shippedCount()) files ("), result.stdout)
        XCTAssertTrue(result.stdout.contains(" scenarios loaded)\n"), result.stdout)
    }

    func testValidateReportsEveryErrorOfEveryFileAndExitsTwo() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: a\ntickets: -1\nbuyers: 2\nlock: {mode: flock, scope: writes}\n", "a.yaml", dir)
        CLI.writeQuietly("name: b\ntickets: 1\nbuyers: {count: 2, wnats: 1}\n", "b.yaml", dir)
        CLI.writeQuietly(Self.clean, "c.yaml", dir)
        let result = try CLI.run(["validate", "a.yaml", "b.yaml", "c.yaml", "missing.yaml"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, """
            missing.yaml:1:1: error: no such file or folder
            a.yaml:2:10: error: 'tickets' must be >= 0, got -1
            a.yaml:4:28: error: 'lock.scope' must be one of purchase, task, write, got 'writes'; did you mean 'write'?
            b.yaml:3:20: error: unknown key 'wnats' in 'buyers'; did you mean 'wants'? (allowed: count, name, wants, command, control)
            4 errors, 0 warnings in 3 files (1 scenario loaded)

            """)
    }

    func testWarningsExitZeroButOneWhenStrict() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: w\ntickets: 1\nbuyers: 10\nlock: {mode: flock, scope: write}\nstorage: {write: atomic}\n", "w.yaml", dir)
        let lenient = try CLI.run(["validate", "w.yaml"], in: dir)
        XCTAssertEqual(lenient.status, 0, lenient.stdout)
        XCTAssertTrue(lenient.stdout.hasPrefix("w.yaml:4:28: warning: lock.scope 'write' locks only the write"), lenient.stdout)
        XCTAssertTrue(lenient.stdout.contains("[lock-scope-write]"))
        let strict = try CLI.run(["validate", "--strict", "w.yaml"], in: dir)
        XCTAssertEqual(strict.status, 1, strict.stdout)
        CLI.writeQuietly(Self.clean, "ok.yaml", dir)
        XCTAssertEqual(try CLI.run(["validate", "--strict", "ok.yaml"], in: dir).status, 0)
    }

    func testExcerptShowsTheLineAndACaret() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: x\ntickets: 1\nbuyers: 2\nlock:\n  mode: flock\n  scope: purchse\n", "x.yaml", dir)
        let result = try CLI.run(["validate", "--excerpts", "x.yaml"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stdout.hasPrefix("""
            x.yaml:6:10: error: 'lock.scope' must be one of purchase, task, write, got 'purchse'; did you mean 'purchase'?
              scope: purchse
                     ^

            """), result.stdout)
        // Not a terminal and no flag: no excerpt.
        let plain = try CLI.run(["validate", "x.yaml"], in: dir)
        XCTAssertFalse(plain.stdout.contains("^"), plain.stdout)
    }

    /// On a terminal (a pty from util-linux `script`), excerpts appear without a flag, for
    /// validate on stdout and for run's refusal on stderr.
    func testTerminalGetsExcerpts() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no /usr/bin/script for a pty") }
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: x\ntickets: 1\nbuyers: 2\nlock:\n  mode: flock\n  scope: purchse\n", "x.yaml", dir)
        for command in ["validate", "run"] {
            // Uncoloured whatever TERM the tests inherit (colour: CLIConventionsTests).
            let r = try CLI.run([command, "x.yaml"], in: dir, env: ["NO_COLOR": "1"], terminal: true)
            let text = r.stdout.replacingOccurrences(of: "\r\n", with: "\n")
            XCTAssertEqual(r.status, 2, text)
            XCTAssertTrue(text.contains("x.yaml:6:10: error: 'lock.scope' must be one of purchase, task, write, got 'purchse'; did you mean 'purchase'?\n  scope: purchse\n         ^\n"), "\(command): \(text)")
        }
    }

    func testValidateJSON() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: j\ntickets: 100\nbuyers: 2\ntrials: x\n---\nname: k\ntickets: 100\nbuyers: 2\n", "j.yaml", dir)
        let result = try CLI.run(["validate", "--format", "json", "--strict", "j.yaml", "nope"], in: dir)
        XCTAssertEqual(result.status, 2)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["version"] as? Int, 1)
        XCTAssertEqual(object["errors"] as? Int, 2)
        XCTAssertEqual(object["warnings"] as? Int, 1)
        XCTAssertEqual(object["exit_code"] as? Int, 2)
        let pathProblems = try XCTUnwrap(object["path_problems"] as? [[String: Any]])
        XCTAssertEqual(pathProblems.first?["path"] as? String, "nope")
        let files = try XCTUnwrap(object["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 1)
        XCTAssertEqual(files[0]["scenarios"] as? [String], ["k"])
        let diagnostics = try XCTUnwrap(files[0]["diagnostics"] as? [[String: Any]])
        XCTAssertEqual(diagnostics.map { $0["line"] as? Int }, [4, 7])
        XCTAssertEqual(diagnostics.map { $0["column"] as? Int }, [9, 10])
        XCTAssertEqual(diagnostics.map { $0["severity"] as? String }, ["error", "warning"])
        XCTAssertEqual(diagnostics.map { $0["rule"] as? String }, [nil, "low-demand"])
        XCTAssertEqual(diagnostics[0]["message"] as? String, "'trials' must be an integer from 1 to 1000000, got 'x'")
    }

    func testDuplicateNamesAcrossFiles() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly(Self.clean, "one.yaml", dir)
        CLI.writeQuietly(Self.clean, "two.yaml", dir)
        let result = try CLI.run(["validate", "one.yaml", "two.yaml"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stdout.contains("two.yaml:1:7: error: duplicate scenario name 'ok' (first at one.yaml:1:7)"), result.stdout)
    }

    func testSchemaPrintsTheShippedFile() throws {
        let result = try CLI.run(["schema"])
        XCTAssertEqual(result.status, 0)
        let shipped = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("schema/scenario.schema.json"), encoding: .utf8)
        XCTAssertEqual(result.stdout, shipped)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
    }

    func testNewWritesEveryTemplateThatValidatesAndRuns() throws {
        let dir = try CLI.temporaryFolder(self)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("schema"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("scenarios"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("schema/scenario.schema.json").path, contents: Data("{}".utf8))
        for template in ["seed-race", "seed-mutex", "lost-update", "torn-read"] {
            let result = try CLI.run(["new", "scenarios/my-\(template).yaml", "--from", template], in: dir)
            XCTAssertEqual(result.status, 0, result.stderr)
            let text = try String(contentsOf: dir.appendingPathComponent("scenarios/my-\(template).yaml"), encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("# yaml-language-server: $schema=../schema/scenario.schema.json\n"), text)
            XCTAssertTrue(text.contains("\nname: my-\(template)\n"), text)
        }
        let validate = try CLI.run(["validate", "--strict", "scenarios"], in: dir)
        XCTAssertEqual(validate.status, 0, validate.stdout)
        XCTAssertTrue(validate.stdout.contains("0 errors, 0 warnings in 4 files (4 scenarios loaded)"), validate.stdout)
        // The templates' expectations are met when run for real (a few trials each).
        let run = try CLI.run(["run", "scenarios", "--trials", "20", "--junit", dir.appendingPathComponent("j.xml").path], in: dir)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
    }

    func testNewNameWithoutExtensionAndRefusesToOverwrite() throws {
        let dir = try CLI.temporaryFolder(self)
        let first = try CLI.run(["new", "rush"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        let path = dir.appendingPathComponent("rush.yaml").path
        let before = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(before.contains("yaml-language-server"), "no schema nearby, no editor line")
        let again = try CLI.run(["new", "rush", "--from", "torn-read"], in: dir)
        XCTAssertEqual(again.status, 2)
        XCTAssertEqual(again.stderr, "ticketrush: error: rush.yaml already exists; not overwriting it (choose another name or remove it)\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)
        let badTemplate = try CLI.run(["new", "other", "--from", "deadlock"], in: dir)
        XCTAssertEqual(badTemplate.status, 2)
        XCTAssertTrue(badTemplate.stderr.contains("seed-race"), badTemplate.stderr)
        let noFolder = try CLI.run(["new", "nowhere/x.yaml"], in: dir)
        XCTAssertEqual(noFolder.status, 2)
        XCTAssertEqual(noFolder.stderr, "ticketrush: error: folder nowhere does not exist\n")
    }

    func testShowFillsDefaultsAndLoadsBack() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("x-base: &b {tickets: 2, buyers: 3}\n---\n<<: *b\nname: s\ndelays: {write: 0.5}\nlock: flock\nseed: 4\n", "s.yaml", dir)
        let shown = try CLI.run(["show", "s.yaml"], in: dir)
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("\ndelays:\n  search: 0\n  write: 500ms\n"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("\nlock:\n  mode: flock\n  scope: purchase\n"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("\ntimeout: 1m\n"), shown.stdout)
        CLI.writeQuietly(shown.stdout, "shown.yaml", dir)
        let again = try CLI.run(["show", "shown.yaml"], in: dir)
        XCTAssertEqual(again.stdout, shown.stdout, "show of show is the same")
        XCTAssertEqual(try CLI.run(["validate", "shown.yaml"], in: dir).status, 0)
    }

    func testShowRefusesABadFile() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: s\ntickets: 1\n", "bad.yaml", dir)
        let result = try CLI.run(["show", "bad.yaml"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "bad.yaml:1:1: error: missing required key 'buyers'\n")
        XCTAssertEqual(try CLI.run(["show", "absent.yaml"], in: dir).status, 2)
    }

    func testGitHubAnnotations() throws {
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly("name: g\ntickets: 1\nbuyers: 2\ntrials: 0\n", "g,1.yaml", dir)
        let result = try CLI.run(["validate", "--format", "github", "g,1.yaml"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, """
            ::error file=g%2C1.yaml,line=4,col=9,title=ticketrush validate::'trials' must be from 1 to 1000000, got 0
            1 error, 0 warnings in 1 file (0 scenarios loaded)

            """)
    }

    /// The validate example in docs/scenarios.md is what the binary prints.
    func testDocumentedValidateExampleIsTrue() throws {
        let doc = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("docs/scenarios.md"), encoding: .utf8)
        func block(after marker: String) throws -> String {
            let rest = try XCTUnwrap(doc.components(separatedBy: marker).dropFirst().first, marker)
            return rest.components(separatedBy: "```\n")[1]
        }
        let dir = try CLI.temporaryFolder(self)
        CLI.writeQuietly(try block(after: "Given this `scenarios/race.yaml`:"), "scenarios/race.yaml", dir)
        let result = try CLI.run(["validate", "--excerpts", "scenarios/race.yaml"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, try block(after: "it prints, on a terminal:"))
        let json = try CLI.run(["validate", "--format", "json", "scenarios/race.yaml"], in: dir)
        let jsonBlock = try XCTUnwrap(doc.components(separatedBy: "(the example\nabove):\n\n```json\n").dropFirst().first).components(separatedBy: "```")[0]
        let documented = try JSONSerialization.jsonObject(with: Data(jsonBlock.utf8)) as? NSDictionary
        let actual = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? NSDictionary
        XCTAssertEqual(documented, actual)
    }

    /// An editor pipes its unsaved buffer in and names it.
    func testValidateStandardInput() throws {
        let dir = try CLI.temporaryFolder(self)
        let input = dir.appendingPathComponent("buffer")
        try "name: s\ntickets: 1\nbuyers: 0\n".write(to: input, atomically: true, encoding: .utf8)
        CLI.writeQuietly(Self.clean, "other.yaml", dir)
        let r = try CLI.run(["validate", "--format", "json", "--stdin-name", "scenarios/edit.yaml", "-", "other.yaml"], in: dir, stdin: input.path)
        XCTAssertEqual(r.status, 2)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let files = try XCTUnwrap(object["files"] as? [[String: Any]])
        XCTAssertEqual(files.map { $0["path"] as? String }, ["scenarios/edit.yaml", "other.yaml"])
        let first = try XCTUnwrap((files[0]["diagnostics"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["message"] as? String, "'buyers' must be from 1 to 100000, got 0")
        XCTAssertEqual(first["line"] as? Int, 3)
    }

    private func shippedCount() throws -> Int {
        (FileManager.default.enumerator(atPath: CLI.repositoryRoot.appendingPathComponent("scenarios").path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.count
    }
}

extension CLI {
    /// `write` for fixtures that cannot fail in a well-set-up temporary folder.
    static func writeQuietly(_ text: String, _ name: String, _ folder: URL) {
        XCTAssertNoThrow(try write(text, to: name, in: folder))
    }
}
