#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel

/// Finds scenario files: files as given, folders searched (recursively) for *.yaml and *.yml.
package enum ScenarioFiles {
    package static func expand(_ paths: [String]) throws(DiagnosticList) -> [String] {
        var files: [String] = []
        var problems: [Diagnostic] = []
        let fm = FileManager.default
        for path in paths {
            var isDir = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                problems.append(Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), "no such file or folder"))
                continue
            }
            guard isDir else { files.append(path); continue }
            // Every file below, relative to the folder, as Foundation's enumerator listed them.
            let found = ((try? fm.subpathsOfDirectory(atPath: path)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { path.hasSuffix("/") ? path + $0 : "\(path)/\($0)" }
            if found.isEmpty {
                problems.append(Diagnostic(at: SourceLocation(path: path, line: 1, column: 1), "folder holds no *.yaml or *.yml scenario files"))
            }
            files += found
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return files
    }

    /// Loads every file; all problems of all files come back together.
    package static func load(_ paths: [String]) throws(DiagnosticList) -> [Scenario] {
        let files = try expand(paths)
        var scenarios: [Scenario] = []
        var problems: [Diagnostic] = []
        var names: [String: SourceLocation] = [:]
        let loader = ScenarioLoader()
        for file in files {
            do {
                for s in try loader.load(path: file) {
                    let at = s.origin ?? SourceLocation(path: file, line: 1, column: 1)
                    if let first = names[s.name] {
                        problems.append(Diagnostic(at: at, "duplicate scenario name '\(s.name)' (first at \(first))"))
                    } else {
                        names[s.name] = at
                        scenarios.append(s)
                    }
                }
            } catch {
                problems += error.items
            }
        }
        if problems.contains(where: { $0.severity == .error }) { throw DiagnosticList(problems) }
        return scenarios
    }
}
