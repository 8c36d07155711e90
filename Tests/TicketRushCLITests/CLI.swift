import Foundation
import TicketRushTestSupport
import XCTest

/// The end-to-end tests' short names for TicketRushTestSupport: one runner of the built
/// binary (scratch working folder, --reports and --work by default; timeouts; output in
/// files) and one process-table check, shared with Tests/FaultSuite.
enum CLI {
    typealias Result = CommandResult

    /// The binary under test (TICKETRUSH_BINARY, else the one beside the test bundle).
    static var binary: URL { TicketRushBinary.path }

    /// Runs `ticketrush ARGS` in `directory` (default: a scratch folder), with a hard timeout
    /// so a hang fails the test, as does any process of the run that outlives it.
    /// `terminal: true` runs it under script(1).
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, env: [String: String] = [:], unset: [String] = [],
                    stdin: String = "/dev/null", timeout: TimeInterval = 180, terminal: Bool = false, executable: URL? = nil,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        try TicketRushBinary.run(args, in: directory, env: env, unset: unset, stdin: stdin, timeout: timeout, terminal: terminal,
                                 executable: executable, file: file, line: line)
    }

    /// Starts `ticketrush ARGS`, waits until `ready()`, sends SIGINT and returns the exit
    /// status; fails the test when anything the run started outlives it.
    /// Pass `--work DIR` and `ready: { CLI.hasTrialFolder(in: DIR) }` to signal only once a
    /// trial has begun.
    static func interrupt(_ args: [String], deadline: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line,
                          ready: () -> Bool) throws -> Int32 {
        try TicketRushBinary.interrupt(args, deadline: deadline, file: file, line: line, ready: ready)
    }

    /// True once some `WORK/SCENARIO/trial-N` folder exists: the runner is inside a trial.
    static func hasTrialFolder(in work: URL) -> Bool {
        let fm = FileManager.default
        guard let scenarios = try? fm.contentsOfDirectory(atPath: work.path) else { return false }
        return scenarios.contains { scenario in
            ((try? fm.contentsOfDirectory(atPath: work.appendingPathComponent(scenario).path)) ?? []).contains { $0.hasPrefix("trial-") }
        }
    }

    /// Polls `condition` every 10 ms until it holds (true) or `seconds` pass (false).
    @discardableResult
    static func poll(within seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        TicketRushTestSupport.poll(within: seconds, condition)
    }

    /// True when some living process still carries `text` on its command line (buyers and
    /// workers carry the runner's): what an interrupt must leave none of.
    static func processesRemain(matching text: String) -> Bool {
        !ProcessTable.mentioning(text).isEmpty
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL { try TestFiles.temporaryFolder(test) }

    /// Writes `text` to `name` in `folder` and returns its path.
    @discardableResult
    static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        try TestFiles.write(text, to: name, in: folder)
    }

    /// The repository root (for shipped scenarios and ../shared).
    static var repositoryRoot: URL { TestFiles.repositoryRoot }
}

extension CLI {
    /// The capture groups of the first match of `pattern` in `text` (nil for a group that
    /// did not take part), or nil when nothing matches: for reading a number out of a line
    /// and asserting a bound on it rather than an exact racy value.
    static func captures(_ pattern: String, in text: String) -> [String?]? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let match = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (1..<match.numberOfRanges).map { i in Range(match.range(at: i), in: text).map { String(text[$0]) } }
    }

    /// The first capture group of `pattern` in `text` as an integer, or nil.
    static func number(_ pattern: String, in text: String) -> Int? {
        captures(pattern, in: text)?.first.flatMap { $0.flatMap { Int($0) } }
    }

    /// The most tickets one trial sold, from a summary line's "sold N of T" or "sold A–B of T".
    static func mostSold(scenario: String, in text: String) -> Int? {
        guard let groups = captures(#"  \#(NSRegularExpression.escapedPattern(for: scenario))  \d+ trials  sold (\d+)(?:–(\d+))? of \d+"#, in: text),
              let low = groups[0].flatMap({ Int($0) }) else { return nil }
        return groups[1].flatMap { Int($0) } ?? low
    }
}

extension CLI {
    /// Processes (pid: command line) whose working folder lies inside `work`: the programs
    /// a run started run in their trial folders, and so does everything they start.
    static func processes(inside work: URL) -> [String] { ProcessTable.inside(work) }
}
