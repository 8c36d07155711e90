import Foundation
import XCTest
import TicketRushModel
import TicketRushFormat

/// The shipped scenarios, mutated a few hundred ways with a fixed seed: whatever the text,
/// validating never traps, every diagnostic points into the file, and `load` fails exactly
/// when validation reports an error.
final class LoaderFuzzTests: XCTestCase {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// scenarios/*.yaml, scenarios/first/*.yaml and scenarios/locks/*.yaml, by name.
    static func shipped() throws -> [(name: String, text: String)] {
        var files: [(String, String)] = []
        for folder in ["scenarios", "scenarios/first", "scenarios/locks"] {
            let url = repositoryRoot.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where name.hasSuffix(".yaml") {
                files.append(("\(folder)/\(name)", try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)))
            }
        }
        return files
    }

    /// Mutated inputs known to trap the process (a crash is a bug to fix in the loader):
    /// the fuzz loop steps over them so the rest still runs; each is a skipped test below.
    static let knownTraps: Set<String> = []

    static let words = ["none", "flock", "violated", "hold", "true", "null", "~", "[]", "{}", "x", "路人", "1s", "-1s",
                        "0", "-1", "1e300", "-1e300", "\"\"", "''", "0.5", "100000000000000000000", "9223372036854775808",
                        ".nan", ".inf", "*a", "&a", "!!str 1", "{uniform: [2, 1]}", "[1, 2]", "|", "? x"]

    /// One mutation of `text`: delete, duplicate, swap two keys' values, replace a value,
    /// re-indent a line, or truncate at a byte.
    static func mutate(_ text: String, _ rng: inout SeededGenerator) -> String {
        var lines = text.components(separatedBy: "\n")
        let valued = lines.indices.filter { valueRange(lines[$0]) != nil }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !lines.isEmpty:
            lines.remove(at: Int.random(in: lines.indices, using: &rng))
        case 1 where !lines.isEmpty:
            let i = Int.random(in: lines.indices, using: &rng)
            lines.insert(lines[i], at: i)
        case 2 where valued.count >= 2:
            let a = valued.randomElement(using: &rng)!, b = valued.randomElement(using: &rng)!
            let va = String(lines[a][valueRange(lines[a])!]), vb = String(lines[b][valueRange(lines[b])!])
            lines[a].replaceSubrange(valueRange(lines[a])!, with: vb)
            lines[b].replaceSubrange(valueRange(lines[b])!, with: va)
        case 3 where !valued.isEmpty:
            let i = valued.randomElement(using: &rng)!
            let replacement: String
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: replacement = words.randomElement(using: &rng)!
            case 1: replacement = String(Int.random(in: -1_000_000...1_000_000, using: &rng))
            default: replacement = String(Double.random(in: -1e6...1e6, using: &rng))
            }
            lines[i].replaceSubrange(valueRange(lines[i])!, with: replacement)
        case 4 where !lines.isEmpty:
            // Re-indent a line: moves a key into, or out of, the mapping above it.
            let i = Int.random(in: lines.indices, using: &rng)
            if rng.chance(0.5) { lines[i] = "  " + lines[i] } else { lines[i] = String(lines[i].drop { $0 == " " }) }
        default:
            let bytes = Array(text.utf8)
            return String(decoding: bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)), as: UTF8.self)
        }
        return lines.joined(separator: "\n")
    }

    /// Where the value of a `key: value` line is (after the first ": "), comments excluded.
    static func valueRange(_ line: String) -> Range<String.Index>? {
        guard !line.trimmingCharacters(in: .whitespaces).hasPrefix("#"),
              let colon = line.range(of: ": ") else { return nil }
        let end = line.range(of: " #", range: colon.upperBound..<line.endIndex)?.lowerBound ?? line.endIndex
        let range = colon.upperBound..<end
        return line[range].trimmingCharacters(in: .whitespaces).isEmpty ? nil : range
    }

    func testMutatedShippedScenariosNeverTrapAndLoadFailsExactlyOnErrors() throws {
        let files = try Self.shipped()
        XCTAssertGreaterThanOrEqual(files.count, 10, "the shipped scenarios were found")
        // Fixed by default; TICKETRUSH_FUZZ_SEED / TICKETRUSH_FUZZ_ITERATIONS explore further by hand.
        let environment = ProcessInfo.processInfo.environment
        var rng = SeededGenerator(seed: environment["TICKETRUSH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5CE9A210)
        let iterations = environment["TICKETRUSH_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 300
        var failed = 0, loaded = 0
        for iteration in 0..<iterations {
            let (name, original) = files.randomElement(using: &rng)!
            var text = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) { text = Self.mutate(text, &rng) }
            if Self.knownTraps.contains(text) { continue }
            let path = "fuzz-\(iteration)-\(name.replacingOccurrences(of: "/", with: "-"))"
            let data = Data(text.utf8)
            let context = "iteration \(iteration), mutated \(name):\n\(text)"

            let (documents, inspected) = ScenarioLoader().inspect(data: data, path: path)
            let (scenarios, checked) = ScenarioLoader().check(data: data, path: path)
            XCTAssertEqual(inspected, checked, context)
            XCTAssertEqual(documents.map(\.scenario.name), scenarios.map(\.name), context)
            let report = ScenarioValidator.validate([ScenarioValidator.stdinPath], stdin: data, stdinName: path)
            let errors = checked.contains { $0.severity == .error }
            XCTAssertEqual(report.errorCount > 0, errors, context + "\nvalidate: \(report.all)")

            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for d in report.all {
                XCTAssertEqual(d.location.path, path, context)
                XCTAssertTrue((1...max(lineCount, 1) + 1).contains(d.location.line) && d.location.column >= 1,
                              "\(d) points outside the file; " + context)
            }
            do {
                let result = try ScenarioLoader().load(data: data, path: path)
                XCTAssertFalse(errors, "load succeeded though check reported an error; " + context)
                XCTAssertFalse(result.isEmpty, "load succeeded with no scenario; " + context)
                loaded += 1
            } catch {
                XCTAssertTrue(errors, "load threw \(error) though check reported no error; " + context)
                XCTAssertTrue(error.hasErrors, context)
                failed += 1
            }
        }
        // Not vacuous: both outcomes happened.
        XCTAssertGreaterThan(failed, 20)
        XCTAssertGreaterThan(loaded, 20)
    }
}
