import Foundation
import TicketRushModel
import TicketRushEngines
import TicketRushTestSupport
import XCTest

/// The one list of environment variables (Sources/TicketRushModel/Support/EnvironmentVariables.swift)
/// is complete, and docs/environment.md is the one generated from it.
final class EnvironmentVariablesTests: XCTestCase {
    static let doc = TestFiles.repositoryRoot.appendingPathComponent("docs/environment.md")
    static let sources = TestFiles.repositoryRoot.appendingPathComponent("Sources")

    /// `UPDATE_DOCS=1 swift test --filter EnvironmentVariablesTests` rewrites the doc.
    func testTheDocIsGeneratedFromTheList() throws {
        let generated = EnvironmentVariables.markdown(EnvironmentVariables.everything)
        if ProcessInfo.processInfo.environment["UPDATE_DOCS"] == "1" {
            try generated.write(to: Self.doc, atomically: true, encoding: .utf8)
            return
        }
        let text = try String(contentsOf: Self.doc, encoding: .utf8)
        XCTAssertEqual(text, generated, "docs/environment.md is stale; regenerate: UPDATE_DOCS=1 swift test --filter EnvironmentVariablesTests")
    }

    /// Every Swift or C source file under Sources/, with its path relative to Sources/.
    static func sourceFiles() throws -> [(path: String, text: String)] {
        let fm = FileManager.default
        return try (fm.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") || $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted()
            .map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// A lookup of a named variable: getenv("X") (Swift and C), ClientLibraries' env("X"),
    /// a read of environment["X"] / env["X"] (not an assignment), CISupport's int("X"), an engine
    /// descriptor's client-library override `environment: "X"` (EngineBackend reads it).
    static let lookups = [#"getenv\("([A-Z][A-Z0-9_]*)"\)"#, #"\benv\("([A-Z][A-Z0-9_]*)"\)"#,
                          #"\b(?:environment|env)\["([A-Z][A-Z0-9_]*)"\](?!\s*=[^=])"#, #"\bint\("([A-Z][A-Z0-9_]*)"\)"#,
                          #"\benvironment: "([A-Z][A-Z0-9_]*)""#]

    /// Lookups whose name is not a literal: each is a wrapper the patterns above cover, or a
    /// walk over the whole environment that passes it on. A new one must be added here, after
    /// its callers are covered by a pattern.
    static let reviewedIndirect: Set<String> = [
        "TicketRushEngines/Core/ClientLibraries.swift: getenv(name)",        // env("X") above
        "TicketRushApp/CISupport.swift: env[key]",                             // int("X") above
        "TicketRushEngines/Core/EngineBackend.swift: getenv(library.environment)", // environment: "X" above
        "TicketRushRunner/Program/Launch.swift: environ",                      // passed on to programs, not read
        "TicketRushProcess/Spawn.swift: environ",                              // passed on to a server, not read
    ]

    func testEveryVariableTheSourcesReadIsListed() throws {
        var read: [String: Set<String>] = [:]
        var indirect: Set<String> = []
        for (path, text) in try Self.sourceFiles() {
            let range = NSRange(text.startIndex..., in: text)
            for pattern in Self.lookups {
                for match in try NSRegularExpression(pattern: pattern).matches(in: text, range: range) {
                    read[String(text[Range(match.range(at: 1), in: text)!]), default: []].insert(path)
                }
            }
            for pattern in [#"getenv\((?!")[^)]*\)"#, #"\b(?:environment|env)\[(?!")[^\]]*\]"#, #"\benviron\b"#] {
                for match in try NSRegularExpression(pattern: pattern).matches(in: text, range: range) {
                    let line = text[..<Range(match.range, in: text)!.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
                    if line.contains("//") || line.contains("///") { continue }  // in a comment
                    indirect.insert("\(path): \(text[Range(match.range, in: text)!])")
                }
            }
        }
        let listed = Dictionary(uniqueKeysWithValues: EnvironmentVariables.everything.map { ($0.name, $0) })
        for (name, files) in read.sorted(by: { $0.key < $1.key }) {
            guard let entry = listed[name] else {
                XCTFail("\(files.sorted().joined(separator: ", ")) reads \(name), which EnvironmentVariables.everything does not list (the list, or an engine descriptor's client)")
                continue
            }
            XCTAssertEqual(Set(entry.readBy), files, "\(name): EnvironmentVariables.everything names the wrong files")
        }
        for name in listed.keys.sorted() where read[name] == nil {
            XCTFail("EnvironmentVariables.everything lists \(name), which no source file reads")
        }
        XCTAssertEqual(indirect.subtracting(Self.reviewedIndirect).sorted(), [],
                       "an environment lookup whose name is not a literal: make it one, or cover its wrapper and review it here")
    }

    /// Test hooks exist only in debug builds: every lookup of one is inside the `#if DEBUG`
    /// branch of a conditional block, so the release binary (what users install and what the
    /// fault suite runs in CI) reads none. `.ci/run` checks the release binaries' strings too.
    func testTestHooksAreReadOnlyInDebugBuilds() throws {
        let hooks = EnvironmentVariables.all.filter { $0.audience == .testHook }.map(\.name)
        XCTAssertFalse(hooks.isEmpty)
        var found = 0
        for (path, text) in try Self.sourceFiles() where hooks.contains(where: text.contains) {
            for (number, part) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(part)
                for pattern in Self.lookups {
                    for match in try NSRegularExpression(pattern: pattern).matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                        let name = String(line[Range(match.range(at: 1), in: line)!])
                        guard hooks.contains(name) else { continue }
                        found += 1
                        XCTAssertTrue(Self.debugOnly(line: number, of: text), "\(path):\(number + 1) reads the test hook \(name) outside #if DEBUG")
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(found, hooks.count, "every test hook is read somewhere")
    }

    /// Whether line `index` (0-based) of Swift `text` is compiled only when DEBUG is set:
    /// inside the first branch of an `#if DEBUG` (nested blocks are followed).
    static func debugOnly(line index: Int, of text: String) -> Bool {
        var stack: [(debug: Bool, first: Bool)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(index) {
            let word = line.trimmingCharacters(in: .whitespaces)
            if word.hasPrefix("#if ") { stack.append((word == "#if DEBUG", true)) }
            else if word.hasPrefix("#elseif") || word == "#else" { if !stack.isEmpty { stack[stack.count - 1].first = false } }
            else if word == "#endif" { _ = stack.popLast() }
        }
        return stack.contains { $0.debug && $0.first }
    }
}
