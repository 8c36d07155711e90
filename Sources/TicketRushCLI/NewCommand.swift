import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushProcess
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write a commented scenario file to start from.",
        discussion: "Templates: " + ScenarioTemplate.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; ") + ".")

    @Argument(help: "The scenario's name, or a path ending in .yaml or .yml (the name is then the file's base name).")
    var name: String

    @Option(help: "The template to start from.")
    var from: ScenarioTemplate = .seedRace

    func run() throws {
        let isPath = name.hasSuffix(".yaml") || name.hasSuffix(".yml")
        let path = isPath ? name : "\(name).yaml"
        let scenarioName = path.pathLastComponent.pathDeletingExtension
        guard !name.isEmpty, !scenarioName.isEmpty, !scenarioName.hasPrefix(".") else {
            printError("ticketrush: error: '\(name)' does not give a scenario name")
            throw ExitCode(2)
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            printError("ticketrush: error: \(path) already exists; not overwriting it (choose another name or remove it)")
            throw ExitCode(2)
        }
        let folder = path.pathDeletingLastComponent
        var isDir = false
        if !folder.isEmpty, !(fm.fileExists(atPath: folder, isDirectory: &isDir) && isDir) {
            printError("ticketrush: error: folder \(folder) does not exist")
            throw ExitCode(2)
        }
        let text = from.text(name: scenarioName, schemaPath: schemaPath(near: folder.isEmpty ? "." : folder))
        // O_EXCL: never replace a file that appeared since the check above.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            printError("ticketrush: error: cannot create \(path): \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        defer { close(fd) }
        do {
            try Array(text.utf8).withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws(any Error) in try Sys.writeAll(fd, buffer) }
        } catch {
            printError("ticketrush: error: cannot write \(path): \(error)")
            throw ExitCode(2)
        }
        print("wrote \(path) from template \(from.rawValue); check it with: ticketrush validate \(path)")
    }

    /// The relative path to schema/scenario.schema.json in this or a parent folder, for the
    /// editor line; nil when there is none.
    private func schemaPath(near folder: String) -> String? {
        var dir = URL(fileURLWithPath: folder).standardizedFileURL
        var ups = ""
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("schema/scenario.schema.json").path) {
                return ups + "schema/scenario.schema.json"
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
            ups += "../"
        }
        return nil
    }
}

extension ScenarioTemplate: ExpressibleByArgument {}
