import Foundation
import TicketRushTestSupport
import XCTest

/// docs/man/ticketrush.1 is generated from the argument parser (swift-argument-parser's
/// generate-manual plugin, docs/cli.md); this checks it against the binary's own description
/// of itself (`--experimental-dump-help`, what the plugin reads): every command and flag, and
/// every help text, so a flag added, renamed or reworded without regenerating fails here.
final class ManPageTests: XCTestCase {
    /// (command, flag) pairs and the help texts of the binary.
    private func binaryFacts() throws -> (flags: Set<String>, texts: [String]) {
        let r = try CLI.run(["--experimental-dump-help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let root = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["command"] as? [String: Any])
        var flags = Set<String>(), texts: [String] = []
        func walk(_ command: [String: Any], name: String) {
            for text in [command["abstract"], command["discussion"]].compactMap({ $0 as? String }) { texts.append(text) }
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool ?? true {
                if let abstract = argument["abstract"] as? String { texts.append(abstract) }
                for n in argument["names"] as? [[String: String]] ?? [] {
                    flags.insert("\(name) \(n["kind"] == "short" ? "-" : "--")\(n["name"] ?? "")")
                }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(sub, name: sub["commandName"] as? String ?? "?")
            }
        }
        walk(root, name: "ticketrush")
        return (flags, texts)
    }

    /// (command, flag) pairs of the page: `.It Em run` opens a command, `.It Fl k , -filter Ar …` lists flags.
    private func pageFlags(_ page: String) -> Set<String> {
        var command = "ticketrush", flags = Set<String>()
        for line in page.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard words.first == ".It", words.count > 2 else { continue }
            if words[1] == "Em" { command = words[2]; continue }
            guard words[1] == "Fl" else { continue }
            for word in words.dropFirst(2).prefix(while: { $0 != "Ar" }) where word != "," && word != "Fl" {
                flags.insert("\(command) -\(word)")
            }
        }
        return flags
    }

    /// Letters and digits only: the page's escapes and line breaks do not count.
    private func plain(_ text: String) -> String {
        String(text.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII })
    }

    func testTheManPageDescribesTheBinary() throws {
        let page = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("docs/man/ticketrush.1"), encoding: .utf8)
        let facts = try binaryFacts()
        let onPage = pageFlags(page)
        let regenerate = "regenerate it: see docs/cli.md, \"The man page\""
        XCTAssertEqual(facts.flags.subtracting(onPage).sorted(), [], "flags missing from docs/man/ticketrush.1; \(regenerate)")
        XCTAssertEqual(onPage.subtracting(facts.flags).sorted(), [], "docs/man/ticketrush.1 names flags the binary does not have; \(regenerate)")
        let text = plain(page)
        for help in facts.texts where !text.contains(plain(help)) {
            XCTFail("docs/man/ticketrush.1 lacks this help text (\(regenerate)): \(help)")
        }
    }
}
