import Foundation
import TicketRushTestSupport
import XCTest

/// What users of pytest and k6 expect of a command line (issue 23): colour on a terminal
/// only, `--filter/-k` by name or glob in run, show and merge, every flag's environment form
/// in --help, and completion scripts from the parser.
final class CLIConventionsTests: XCTestCase {
    /// Three scenarios that always pass (one ticket, a lock, atomic writes) and a two-cell sweep.
    private func folder() throws -> URL {
        let dir = try TestFiles.temporaryFolder(self)
        func rush(_ name: String) -> String {
            "name: \(name)\ntickets: 1\nbuyers: 2\ntrials: 1\nseed: 3\nstorage: {kind: json, write: atomic}\nlock: flock\n"
        }
        try TestFiles.write([rush("alpha-race"), rush("alpha-locked"), rush("beta")].joined(separator: "---\n"), to: "s/rush.yaml", in: dir)
        try TestFiles.write(rush("sweep") + "matrix: {lock.mode: [flock, fcntl]}\n", to: "s/sweep.yaml", in: dir)
        return dir
    }

    /// The cells a run or merge printed, by their summary lines.
    private func cells(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").filter { $0.hasPrefix("PASS  ") || $0.hasPrefix("FAIL  ") }
            .map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }

    func testFilterKeepsScenariosAndCellsByNameOrGlob() throws {
        let dir = try folder()
        let sub = try CLI.run(["run", "s", "-k", "alpha"], in: dir)
        XCTAssertEqual(sub.status, 0, sub.stderr)
        XCTAssertEqual(cells(sub.stdout), ["alpha-race", "alpha-locked"], "a word keeps the names containing it")
        let globs = try CLI.run(["run", "s", "--filter", "*race", "-k", "be?a"], in: dir)
        XCTAssertEqual(cells(globs.stdout), ["alpha-race", "beta"], "a glob matches the whole name; patterns add up")
        let label = try CLI.run(["run", "s", "-k", "lock.mode=fcntl*"], in: dir)
        XCTAssertEqual(cells(label.stdout), ["sweep[lock.mode=fcntl]"], "a glob matches a cell's label")
        let none = try CLI.run(["run", "s", "-k", "gamma"], in: dir)
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("--filter 'gamma' selects no scenario or cell; there are: alpha-race"), none.stderr)

        let show = try CLI.run(["show", "s", "-k", "beta"], in: dir)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("name: beta"), show.stdout)
        XCTAssertFalse(show.stdout.contains("alpha"), show.stdout)
        XCTAssertEqual(try CLI.run(["show", "s", "-k", "gamma"], in: dir).status, 2)

        let shard = dir.appendingPathComponent("shard").path
        XCTAssertEqual(try CLI.run(["run", "s", "--shard", "1/1", "--reports", shard], in: dir).status, 0)
        let merged = try CLI.run(["merge", shard, "-k", "sweep*", "--reports", dir.appendingPathComponent("merged").path], in: dir)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(cells(merged.stdout), ["sweep[lock.mode=flock]", "sweep[lock.mode=fcntl]"])
        let junit = try String(contentsOf: dir.appendingPathComponent("merged/junit.xml"), encoding: .utf8)
        XCTAssertFalse(junit.contains("alpha"), "the merged reports hold only the kept cells")
    }

    func testColourOnATerminalOnlyUnlessNoColorOrAsked() throws {
        let dir = try folder()
        let green = "\u{1B}[32;1mPASS\u{1B}[0m  beta"
        func painted(_ r: CLI.Result) -> Bool { r.stdout.contains("\u{1B}[32;1m") || r.stdout.contains("\u{1B}[31;1m") }
        // The test's own environment is not the user's: a terminal that can colour, no NO_COLOR.
        func run(_ extra: [String] = [], env: [String: String] = [:], terminal: Bool) throws -> CLI.Result {
            try CLI.run(["run", "s", "-k", "beta"] + extra, in: dir, env: ["TERM": "xterm"].merging(env) { $1 }, unset: ["NO_COLOR"], terminal: terminal)
        }
        let tty = try run(terminal: true)
        XCTAssertTrue(tty.stdout.contains(green), tty.stdout)
        XCTAssertTrue(tty.stdout.contains("\u{1B}[32;1mticketrush: 7 of 7 expectations met"), tty.stdout)
        let piped = try run(terminal: false)
        XCTAssertFalse(painted(piped), "piped output has no colour")
        XCTAssertTrue(piped.stdout.contains("PASS  beta"), piped.stdout)
        XCTAssertFalse(painted(try run(env: ["NO_COLOR": "1"], terminal: true)), "NO_COLOR turns it off")
        XCTAssertTrue(painted(try run(env: ["NO_COLOR": ""], terminal: true)), "an empty NO_COLOR does not")
        XCTAssertFalse(painted(try run(env: ["TERM": "dumb"], terminal: true)), "TERM=dumb turns it off")
        XCTAssertFalse(painted(try run(["--color", "never"], terminal: true)))
        XCTAssertTrue(try run(["--color", "always"], env: ["NO_COLOR": "1"], terminal: false).stdout.contains(green),
                      "--color always wins over NO_COLOR, as no-color.org asks of an option")
        // A failure is red: its cell line, the closing block's entry and the closing line.
        try TestFiles.write("name: never\ntickets: 1\nbuyers: 2\ntrials: 1\nseed: 3\nstorage: {kind: json, write: atomic}\nlock: flock\n"
                            + "expect: {no-oversell: violated}\n", to: "fails.yaml", in: dir)
        let failed = try CLI.run(["run", "fails.yaml", "--color", "always"], in: dir)
        XCTAssertEqual(failed.status, 1, failed.stdout)
        for red in ["\u{1B}[31;1mFAIL\u{1B}[0m  never", "\u{1B}[31;1mFAIL\u{1B}[0m never :: no-oversell", "\u{1B}[31;1mticketrush: 6 of 7 expectations met, 1 not"] {
            XCTAssertTrue(failed.stdout.contains(red), "\(red.debugDescription) in \(failed.stdout)")
        }
        // Diagnostics: the severity is painted, JSON never is.
        try TestFiles.write("name: x\ntickets: 1\nbuyers: 2\nlock_mode: none\n", to: "bad.yaml", in: dir)
        let located = try CLI.run(["validate", "bad.yaml", "--color", "always"], in: dir)
        XCTAssertTrue(located.stdout.contains("bad.yaml:4:1: \u{1B}[31;1merror:\u{1B}[0m unknown key 'lock_mode'"), located.stdout)
        let json = try CLI.run(["validate", "bad.yaml", "--color", "always", "--format", "json"], in: dir)
        XCTAssertFalse(json.stdout.contains("\u{1B}"), json.stdout)
        let bad = try CLI.run(["run", "s", "--color", "sometimes"], in: dir)
        XCTAssertEqual(bad.status, 2, bad.stderr)
    }

    /// Every variable a user or CI engine sets (docs/environment.md, generated from the code)
    /// is named in `run --help`, and `--shard auto` names the ones it reads.
    func testRunHelpNamesEveryEnvironmentVariable() throws {
        let doc = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("docs/environment.md"), encoding: .utf8)
        var names: [String] = [], section = ""
        for line in doc.split(separator: "\n") {
            if line.hasPrefix("## ") { section = String(line); continue }
            guard section.hasPrefix("## Settings") || section.hasPrefix("## CI engines"), line.hasPrefix("| `") else { continue }
            names.append(String(line.dropFirst(3).prefix { $0 != "`" }))
        }
        XCTAssertGreaterThan(names.count, 10, "docs/environment.md's tables were not found")
        let help = try CLI.run(["run", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for name in names { XCTAssertTrue(flat.contains(name), "run --help does not name \(name)") }
        let shard = try XCTUnwrap(flat.range(of: "--shard <shard>").map { String(flat[$0.lowerBound...].prefix(700)) })
        for name in ["CI_NODE_INDEX", "CI_NODE_TOTAL", "JOB_COMPLETION_INDEX", "TICKETRUSH_SHARDS", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"] {
            XCTAssertTrue(shard.contains(name), "--shard's help does not name \(name): \(shard)")
        }
    }

    func testCompletionScriptsComeFromTheParser() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CLI.run(["--generate-completion-script", shell])
            XCTAssertEqual(r.status, 0, r.stderr)
            for word in ["filter", "color", "merge", "validate", "always"] { XCTAssertTrue(r.stdout.contains(word), "\(shell): \(word)") }
        }
    }
}
