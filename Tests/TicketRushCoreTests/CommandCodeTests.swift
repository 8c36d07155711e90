import Foundation
import XCTest
@testable import TicketRushModel
@testable import TicketRushFormat

/// issue 19 item 12: placeholders inside a shell script are quoted for where they stand,
/// refused where that cannot be told, and flagged by the lint rule placeholder-in-code.
final class CommandCodeTests: XCTestCase {
    let evil = "/tmp/d$(touch X) `id` 'q' \"dq\" \\ $HOME\nnext"

    /// What sh makes of `script`: the words `printf '%s\n'` prints, one per line.
    private func sh(_ script: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("X").path), "the value ran as code: \(script)")
        return String(decoding: data, as: UTF8.self)
    }

    func testAValueReachesTheShellAsDataInEveryQuoting() throws {
        let values = [("dir", evil)]
        for (script, expected) in [
            ("printf '%s\\n' {dir}", evil + "\n"),                       // unquoted
            ("printf '%s\\n' {dir}/x", evil + "/x\n"),                   // unquoted, joined to a word
            ("printf '%s\\n' '{dir}/x'", evil + "/x\n"),                 // inside single quotes
            ("printf '%s\\n' \"{dir}/x\"", evil + "/x\n"),               // inside double quotes
            ("printf '%s\\n' \"a'b\" {dir}", "a'b\n" + evil + "\n"),     // a quote inside the other kind
            ("printf '%s\\n' \\' {dir}", "'\n" + evil + "\n"),           // an escaped quote is no quote
        ] {
            let filled = ProgramConfig.fill(command: ["sh", "-c", script], values)
            XCTAssertEqual(try sh(filled[2]), expected, filled[2])
        }
    }

    func testWhereQuotingCannotBeToldTheValueIsNeverPasted() throws {
        for script in ["echo $(cat {dir}/f)", "echo \"$(echo {dir})\"", "echo `echo {dir}`", "cat <<EOF\n{dir}\nEOF", "true # {dir}\n"] {
            XCTAssertEqual(CommandCode.untrackable(script, known: ["dir"]), ["dir"], script)
            let filled = ProgramConfig.fill(command: ["sh", "-c", script], [("dir", evil)])[2]
            XCTAssertFalse(filled.contains("touch"), filled)
            XCTAssertTrue(filled.contains("${TICKETRUSH_DIR}"), filled)
        }
        XCTAssertEqual(CommandCode.untrackable("echo {dir} $(date)", known: ["dir"]), [], "a construct after the placeholder does not matter")
    }

    func testWhichWordIsCode() {
        XCTAssertEqual(CommandCode.codeWord(["sh", "-c", "x"])?.index, 2)
        XCTAssertEqual(CommandCode.codeWord(["/bin/bash", "-euc", "x"])?.index, 2)
        XCTAssertEqual(CommandCode.codeWord(["sh", "-e", "-c", "x", "arg0"])?.index, 3)
        XCTAssertEqual(CommandCode.codeWord(["env", "dash", "-c", "x"])?.index, 3)
        XCTAssertEqual(CommandCode.codeWord(["python3", "-c", "x"])?.kind, .other("python3"))
        XCTAssertEqual(CommandCode.codeWord(["perl", "-e", "x"])?.index, 2)
        XCTAssertNil(CommandCode.codeWord(["sh", "{dir}/buy.sh", "-c"]), "a script file's arguments are data")
        XCTAssertNil(CommandCode.codeWord(["python3", "{dir}/buy.py", "{name}"]))
        // Plain arguments are filled as they are: exec passes them as one word each.
        XCTAssertEqual(ProgramConfig.fill(command: ["python3", "{dir}/buy.py", "{name}"], [("dir", evil), ("name", "路人1")]),
                       ["python3", evil + "/buy.py", "路人1"])
    }

    private func diagnostics(_ yaml: String) -> (errors: [String], warnings: [String]) {
        let (documents, errors) = ScenarioLoader().inspect(data: Data(yaml.utf8), path: "t.yaml")
        return (errors.map(\.description), documents.flatMap { LintRule.placeholderInCode.check($0) }.map(\.description))
    }

    func testTheLoaderRefusesAnUnquotablePlaceholderAndLintFlagsTheRest() {
        let base = "name: t\ntickets: 1\nbuyers: {count: 2, command: "
        let refused = diagnostics(base + "[sh, -c, \"echo $(ls {dir})\"]}\n")
        XCTAssertEqual(refused.errors.count, 1, "\(refused)")
        XCTAssertTrue(refused.errors.first?.hasPrefix("t.yaml:3:") == true, "\(refused)")
        XCTAssertTrue(refused.errors.first?.contains("write \"$TICKETRUSH_DIR\" in the script instead") == true, "\(refused)")
        let quoted = diagnostics(base + "[sh, -c, \"echo {name} > '{dir}/ran-{n}'\"]}\n")
        XCTAssertEqual(quoted.errors, [])
        XCTAssertEqual(quoted.warnings.count, 3, "\(quoted)")
        XCTAssertTrue(quoted.warnings.allSatisfy { $0.contains("[placeholder-in-code]") && $0.hasPrefix("t.yaml:3:") }, "\(quoted)")
        XCTAssertTrue(quoted.warnings.contains { $0.contains("\"$TICKETRUSH_BUYER\"") }, "\(quoted)")
        let python = diagnostics(base + "[python3, -c, \"open('{dir}/x')\"]}\n")
        XCTAssertEqual(python.errors, [])
        XCTAssertTrue(python.warnings.first?.contains("pastes {dir} into python3 code as it is") == true, "\(python)")
        XCTAssertEqual(diagnostics(base + "[python3, \"{dir}/buy.py\", \"{name}\"]}\n").warnings, [])
        XCTAssertTrue(ScenarioLint.rules.contains { $0.id == "placeholder-in-code" })
    }
}
