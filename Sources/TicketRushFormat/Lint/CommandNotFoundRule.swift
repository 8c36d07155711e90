#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
extension LintRule {
    /// A program command whose first word is neither on PATH nor a file, or a file that is
    /// not executable: every exec would fail.
    package static let commandNotFound = LintRule(
        "command-not-found",
        "buyers.command / program.command names a program that is not on PATH and not a file, or a file that is not executable: every buyer's exec fails"
    ) { doc, warn in
        guard let program = doc.scenario.program, let first = program.command.first, !first.isEmpty else { return [] }
        let key = program.mode == .perBuyer ? "buyers.command" : "program.command"
        let word = ProgramConfig.fill(first, [("dir", program.dir)])
        if word.contains("/") {
            // A relative path is looked up from the trial folder at run time: only {dir}/… or absolute paths can be checked.
            guard word.hasPrefix("/") else { return [] }
            var isFolder = false
            if !FileManager.default.fileExists(atPath: word, isDirectory: &isFolder) {
                return [warn(at: key, "'\(key)' runs \(word), which does not exist: every buyer's exec will fail (exec failed: No such file or directory)")]
            }
            guard isFolder || !FileManager.default.isExecutableFile(atPath: word) else { return [] }
            return [warn(at: key, "'\(key)' runs \(word), which is not an executable file: every buyer's exec will fail (exec failed: Permission denied); chmod +x it, or run it with its interpreter")]
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let found = path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(word)") }
        guard !found else { return [] }
        return [warn(at: key, "'\(key)' runs '\(word)', which is not on PATH: every buyer's exec will fail (exec failed: No such file or directory)")]
    }
}
