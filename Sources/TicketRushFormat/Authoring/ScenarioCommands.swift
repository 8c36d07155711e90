import TicketRushModel

/// A command a scenario makes ticketrush run (`buyers.command`, `program.command`): what
/// `validate` lists, because a scenario file is code (docs/programs.md, "Trust model").
package struct ScenarioCommand: Sendable, Equatable {
    /// The first scenario (or sweep cell) that runs it.
    package var scenario: String
    /// `buyers.command` or `program.command`.
    package var key: String
    /// The argv as written, placeholders not yet filled in.
    package var argv: [String]
    package var location: SourceLocation

    /// `path:line:column: note: runs …`, as compilers print a note.
    package var description: String {
        let how = key == "buyers.command" ? "once per buyer" : "once per trial, starting its own buyers"
        return "\(location): note: runs \(shellLine) \(how), as the user running ticketrush (\(key) of '\(scenario)')"
    }

    /// The argv as one shell line: each word bare when plainly safe, else single-quoted.
    package var shellLine: String {
        argv.map { word in
            let safe = !word.isEmpty && word.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_./=:,+@%{}".unicodeScalars.contains($0)
            }
            return safe ? word : "'" + word.replacingAll("'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// The commands of a file's documents, once each: a sweep's cells share their lines.
    static func of(_ documents: [LoadedDocument]) -> [ScenarioCommand] {
        var out: [ScenarioCommand] = []
        for document in documents {
            guard let program = document.scenario.program else { continue }
            let key = program.mode == .perBuyer ? "buyers.command" : "program.command"
            let command = ScenarioCommand(scenario: document.scenario.name, key: key, argv: program.command, location: document.location(of: key))
            if !out.contains(where: { $0.location == command.location && $0.argv == command.argv }) { out.append(command) }
        }
        return out
    }
}
