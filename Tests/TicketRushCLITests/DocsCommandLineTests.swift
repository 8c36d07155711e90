import Foundation
import TicketRushTestSupport
import XCTest

/// Every `ticketrush …` command line in the docs' code blocks is parsed by the real binary
/// (`ticketrush dry-parse`, which runs the argument parser and each command's validation and
/// nothing else), after the shell has expanded it: a documented flag that does not exist, or
/// a value the parser refuses, fails here. docs/ci.md's workflows must also never be able to
/// pass by skipping: each one's shard command passes --require-engines.
final class DocsCommandLineTests: XCTestCase {
    struct DocCommand {
        var file: String
        var line: Int
        var section: String
        /// What follows `ticketrush `, as the shell would see it.
        var arguments: String
    }

    /// Fenced blocks whose language is a shell, YAML or a Dockerfile: where commands are run.
    static let languages: Set<String> = ["sh", "bash", "shell", "console", "yaml", "yml", "dockerfile"]

    /// The command lines of `markdown`: shell continuations joined, comments skipped, a
    /// command ended by its quote (`--wrap 'ticketrush …'`), `||`, `&&`, `;`, `|` or `>`.
    static func commands(in markdown: String, file: String) -> [DocCommand] {
        var found: [DocCommand] = []
        var section = "", fence: String?, pending = "", pendingLine = 0
        for (index, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                fence = fence == nil ? String(trimmed.dropFirst(3)).lowercased() : nil
                continue
            }
            guard let language = fence else {
                if raw.hasPrefix("## ") { section = String(raw.dropFirst(3)) }
                continue
            }
            guard languages.contains(language), !trimmed.hasPrefix("#") || !pending.isEmpty else { continue }
            if pending.isEmpty { pendingLine = index + 1 }
            if trimmed.hasSuffix("\\") { pending += trimmed.dropLast() + " "; continue }
            let text = pending + trimmed
            pending = ""
            found += invocations(in: text).map { DocCommand(file: file, line: pendingLine, section: section, arguments: $0) }
        }
        return found
    }

    static func invocations(in text: String) -> [String] {
        var out: [String] = []
        var search = text.startIndex
        while let hit = text.range(of: "ticketrush", range: search..<text.endIndex) {
            search = hit.upperBound
            // A path to the binary (bin/ticketrush, "$HOME/…/ticketrush") or the bare name,
            // then a command word; not a word that merely ends so (`name: ticketrush-shards`).
            let before = hit.lowerBound == text.startIndex ? " " : text[text.index(before: hit.lowerBound)]
            var end = hit.upperBound
            if end < text.endIndex, text[end] == "\"" || text[end] == "'" { end = text.index(after: end) }
            guard " '\"/".contains(before), end < text.endIndex, text[end] == " " else { continue }
            let start = text.index(after: end)
            guard start < text.endIndex, text[start].isLetter || text[start] == "-" else { continue }
            // Inside a quoted argument (`--wrap 'ticketrush merge …'`) the command ends at its quote.
            let tokenStart = text[..<hit.lowerBound].lastIndex(where: { $0 == " " }).map { text.index(after: $0) } ?? text.startIndex
            let token = text[tokenStart..<end]
            let quote = ["'", "\""].first { q in token.filter { $0 == Character(q) }.count % 2 == 1 }
            var rest = String(text[start...])
            if let quote, let close = rest.firstIndex(of: Character(quote)) { rest = String(rest[..<close]) }
            for stop in [" || ", " && ", "; ", " | ", " > ", " 2>"] {
                if let r = rest.range(of: stop) { rest = String(rest[..<r.lowerBound]) }
            }
            out.append(rest.trimmingCharacters(in: .whitespaces))
        }
        return out
    }

    /// What the CI engines set in a shard job, so `"$CI_PIPELINE_ID"` expands as it would there.
    static let engineEnvironment = [
        "CI_PIPELINE_ID": "4242", "CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4", "JOB_COMPLETION_INDEX": "0",
        "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
    ]

    /// GitHub expressions are not shell: the matrix's shard, or a plausible number.
    static func github(_ arguments: String, shard: Int) -> String {
        var rest = arguments
        while let open = rest.range(of: "${{"), let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) {
            let expression = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            rest.replaceSubrange(open.lowerBound..<close.upperBound, with: expression == "matrix.shard" ? "\(shard)" : "4242")
        }
        return rest
    }

    /// `ticketrush dry-parse ARGS` with ARGS expanded by bash, as the doc's shell would.
    private func parse(_ command: DocCommand) throws -> CLI.Result {
        try CLI.run(["-c", "exec \"$TICKETRUSH\" dry-parse " + Self.github(command.arguments, shard: 1)],
                    env: Self.engineEnvironment.merging(["TICKETRUSH": CLI.binary.path]) { $1 },
                    executable: URL(fileURLWithPath: "/bin/bash"))
    }

    /// The workflows for real, where they write only under their folder: each shard's `run`
    /// line once per shard 1…4 with the engine's variables for that shard, in one scratch
    /// folder holding a small scenarios/, then the `merge` line, which must judge the run (exit 0).
    func testTheShardedWorkflowsRunAndMerge() throws {
        let commands = Self.commands(in: try Self.read("docs/ci.md"), file: "docs/ci.md")
        for section in ["GitHub Actions", "GitLab CI", "Slurm: a job array"] {
            let dir = try CLI.temporaryFolder(self)
            try CLI.write("name: tiny\ntickets: 1\nbuyers: 2\ntrials: 4\nseed: 5\nstorage: {kind: json, write: atomic}\nlock: flock\n",
                          to: "scenarios/tiny.yaml", in: dir)
            let here = commands.filter { $0.section == section }
            func shell(_ arguments: String, shard: Int) throws -> CLI.Result {
                let env = ["CI_PIPELINE_ID": "4242", "CI_NODE_INDEX": "\(shard)", "CI_NODE_TOTAL": "4", "SLURM_ARRAY_TASK_ID": "\(shard)",
                           "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1", "HOME": dir.path, "TICKETRUSH": CLI.binary.path]
                return try CLI.run(["-c", "exec \"$TICKETRUSH\" " + Self.github(arguments, shard: shard)], in: dir, env: env,
                                   executable: URL(fileURLWithPath: "/bin/bash"))
            }
            for run in here where run.arguments.hasPrefix("run ") {
                for shard in 1...4 {
                    let r = try shell(run.arguments, shard: shard)
                    XCTAssertEqual(r.status, 0, "docs/ci.md:\(run.line), shard \(shard): \(r.stdout)\(r.stderr)")
                }
            }
            for merge in here where merge.arguments.hasPrefix("merge ") && !merge.arguments.contains("--format") {
                let r = try shell(merge.arguments, shard: 1)
                XCTAssertEqual(r.status, 0, "docs/ci.md:\(merge.line): \(r.stdout)\(r.stderr)")
                XCTAssertTrue(r.stdout.contains("ticketrush: 7 of 7 expectations met"), "\(section): \(r.stdout)")
            }
        }
    }

    private static func read(_ path: String) throws -> String {
        try String(contentsOf: CLI.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    func testEveryDocumentedCommandLineParses() throws {
        var files = ["README.md"]
        files += try FileManager.default.contentsOfDirectory(atPath: CLI.repositoryRoot.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        var checked = 0
        for file in files {
            for command in Self.commands(in: try Self.read(file), file: file) {
                let r = try parse(command)
                XCTAssertEqual(r.status, 0, "\(file):\(command.line): ticketrush \(command.arguments)\n\(r.stderr)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20, "the docs' command lines were not found")
    }

    func testEveryCIWorkflowRequiresItsEnginesAndMerges() throws {
        let commands = Self.commands(in: try Self.read("docs/ci.md"), file: "docs/ci.md")
        for section in ["GitHub Actions", "GitLab CI", "Kubernetes: an Indexed Job on a shared volume", "Slurm: a job array"] {
            let here = commands.filter { $0.section == section }
            let runs = here.filter { $0.arguments.hasPrefix("run ") }
            XCTAssertFalse(runs.isEmpty, "\(section): no `ticketrush run` line found")
            for run in runs {
                XCTAssertTrue(run.arguments.contains("--require-engines"), "docs/ci.md:\(run.line): a shard can pass by skipping: \(run.arguments)")
                XCTAssertTrue(run.arguments.contains("--shard "), "docs/ci.md:\(run.line): \(run.arguments)")
            }
            XCTAssertTrue(here.contains { $0.arguments.hasPrefix("merge ") }, "\(section): no `ticketrush merge` line")
        }
    }

    /// The check itself can fail: a wrong flag, a bad value and an unknown command do not parse.
    func testAWrongFlagInADocFailsTheCheck() throws {
        let doc = """
            ## Example
            ```yaml
            script:
              - bin/ticketrush run scenarios --shardd 1/4 || test $? -eq 1
              - sbatch --wrap 'ticketrush merge results/shard-* --reprots merged'
              - "$HOME/bin/ticketrush" run scenarios --shard 5/4
              - swift run ticketrush runn scenarios
            ```
            """
        let commands = Self.commands(in: doc, file: "example.md")
        XCTAssertEqual(commands.map(\.arguments), ["run scenarios --shardd 1/4", "merge results/shard-* --reprots merged",
                                                   "run scenarios --shard 5/4", "runn scenarios"])
        for command in commands {
            let r = try parse(command)
            XCTAssertEqual(r.status, 2, "\(command.arguments) should not parse: \(r.stdout)")
        }
        let good = try parse(DocCommand(file: "", line: 1, section: "", arguments: "run scenarios --require-engines --shard auto -k 'seed-*'"))
        XCTAssertEqual(good.status, 0, good.stderr)
    }
}
