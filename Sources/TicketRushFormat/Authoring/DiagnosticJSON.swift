import TicketRushModel

/// `ticketrush validate --format json`: the same findings for editors and CI.
/// The shape is documented in docs/scenarios.md ("Validating").
package enum DiagnosticJSON {
    package static let version = 1

    package static func text(_ report: ValidationReport, strict: Bool) -> String {
        func item(_ d: Diagnostic) -> [String: Any] {
            var o: [String: Any] = ["path": d.location.path, "line": d.location.line, "column": d.location.column,
                                    "severity": d.severity.rawValue, "message": d.message]
            if let rule = d.rule { o["rule"] = rule }
            return o
        }
        let object: [String: Any] = [
            "version": version,
            "files": report.files.map {
                ["path": $0.path, "scenarios": $0.scenarios, "diagnostics": $0.diagnostics.map(item),
                 "commands": $0.commands.map { c in
                     ["scenario": c.scenario, "key": c.key, "argv": c.argv, "line": c.location.line, "column": c.location.column] as [String: Any]
                 }] as [String: Any]
            },
            "path_problems": report.pathProblems.map(item),
            "errors": report.errorCount,
            "warnings": report.warningCount,
            "exit_code": Int(report.exitCode(strict: strict)),
        ]
        return JSONValue(any: object).text(pretty: true, sortedKeys: true)
    }
}
