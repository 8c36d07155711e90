#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel

/// What `ticketrush validate` found in one file.
package struct FileFindings: Sendable {
    package var path: String
    /// The scenarios that loaded, in file order.
    package var scenarios: [String]
    /// Errors and warnings, by position.
    package var diagnostics: [Diagnostic]
    /// The commands its scenarios run: a scenario file is code.
    package var commands: [ScenarioCommand] = []
}

/// Everything `ticketrush validate` found.
package struct ValidationReport: Sendable {
    package var files: [FileFindings]
    /// Problems with the paths themselves (no such file, empty folder).
    package var pathProblems: [Diagnostic]

    package var all: [Diagnostic] { pathProblems + files.flatMap(\.diagnostics) }
    package var errorCount: Int { all.filter { $0.severity == .error }.count }
    package var warningCount: Int { all.filter { $0.severity == .warning }.count }
    package var commands: [ScenarioCommand] { files.flatMap(\.commands) }

    /// 0 clean (or warnings only), 1 warnings with `strict`, 2 any error.
    package func exitCode(strict: Bool) -> Int32 {
        if errorCount > 0 { return 2 }
        return strict && warningCount > 0 ? 1 : 0
    }
}

/// Checks scenario files without running them: every error of the format, every lint
/// warning, and scenario names repeated across files (as `run` would refuse them).
package enum ScenarioValidator {
    /// The path `-` stands for standard input.
    package static let stdinPath = "-"

    /// Checks `paths`; `-` reads `stdin` (what an editor pipes in), reported as `stdinName`.
    package static func validate(_ paths: [String], stdin: Data? = nil, stdinName: String = "<stdin>") -> ValidationReport {
        var pathProblems: [Diagnostic] = []
        var files: [String] = []
        // Expand each path alone so one missing path does not hide the others' findings.
        for path in paths {
            if path == stdinPath { files.append(path); continue }
            do { files += try ScenarioFiles.expand([path]) } catch { pathProblems += error.items }
        }
        var findings: [FileFindings] = []
        var names: [String: SourceLocation] = [:]
        let loader = ScenarioLoader()
        for var file in files {
            let contents: Data?
            var why = "cannot be read"
            if file == stdinPath {
                file = stdinName
                contents = stdin ?? Data()
            } else {
                switch InputLimits.read(path: file) {
                case .success(let data): contents = data
                case .failure(let unreadable): contents = nil; why = unreadable.why
                }
            }
            guard let data = contents else {
                findings.append(FileFindings(path: file, scenarios: [], diagnostics: [Diagnostic(at: SourceLocation(path: file, line: 1, column: 1), why)]))
                continue
            }
            let (documents, errors) = loader.inspect(data: data, path: file)
            var diagnostics = errors
            var loaded: [String] = []
            var warnings: [Diagnostic] = []
            // A sweep's cells share their lines: a warning is printed once, naming its cells.
            var cellWarnings: [(warning: Diagnostic, sweep: String, cells: [String])] = []
            var cellWarningIndex: [String: Int] = [:]
            var cellCounts: [String: Int] = [:]
            for document in documents {
                let at = document.locations["name"] ?? document.location(of: "")
                if let first = names[document.scenario.name] {
                    diagnostics.append(Diagnostic(at: at, "duplicate scenario name '\(document.scenario.name)' (first at \(first))"))
                    continue
                }
                names[document.scenario.name] = at
                loaded.append(document.scenario.name)
                guard let cell = document.scenario.cell else {
                    warnings += ScenarioLint.warnings(document)
                    continue
                }
                cellCounts[cell.baseName, default: 0] += 1
                for warning in ScenarioLint.warnings(document) {
                    let key = "\(cell.baseName)\u{0}\(warning.description)"
                    if let i = cellWarningIndex[key] {
                        cellWarnings[i].cells.append(cell.name)
                    } else {
                        cellWarningIndex[key] = cellWarnings.count
                        cellWarnings.append((warning, cell.baseName, [cell.name]))
                    }
                }
            }
            warnings += cellWarnings.map { w in
                MatrixExpansion.named(w.warning, cells: w.cells, of: cellCounts[w.sweep])
            }
            // Once per file: the file's lines are split once, not once per scenario.
            diagnostics += LintIgnore.filter(warnings, source: String(decoding: data, as: UTF8.self))
            diagnostics = diagnostics.enumerated().sorted {
                ($0.element.location.line, $0.element.location.column, $0.offset) < ($1.element.location.line, $1.element.location.column, $1.offset)
            }.map(\.element)
            findings.append(FileFindings(path: file, scenarios: loaded, diagnostics: diagnostics, commands: ScenarioCommand.of(documents)))
        }
        return ValidationReport(files: findings, pathProblems: pathProblems)
    }
}
