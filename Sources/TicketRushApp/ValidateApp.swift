#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushFormat

/// `ticketrush validate`: every problem of every file, as text, JSON or GitHub annotations.
package enum ValidateApp {
    package enum Format: String, CaseIterable, Sendable { case text, json, github }

    package struct Options: Sendable {
        package var paths = ["scenarios"]
        package var stdinName = "<stdin>"
        package var format = Format.text
        package var strict = false
        package var excerpts: Bool?

        package init() {}
    }

    /// `stdin` holds standard input when a path is `-`; `machine` are the findings about
    /// this machine (an engine's client not installed), added to the files they concern.
    package static func run(_ o: Options, stdin: Data?, machine: [Diagnostic]) -> Outcome {
        var report = ScenarioValidator.validate(o.paths, stdin: stdin, stdinName: o.stdinName)
        for d in machine {
            if let i = report.files.firstIndex(where: { $0.path == d.location.path }) { report.files[i].diagnostics.append(d) }
            else { report.pathProblems.append(d) }
        }
        let known = stdin.map { [o.stdinName: String(decoding: $0, as: UTF8.self)] } ?? [:]
        var out: [String] = []
        switch o.format {
        case .json:
            out.append(DiagnosticJSON.text(report, strict: o.strict))
        case .github:
            out += DiagnosticGitHub.lines(report).map { visible($0) }
            out.append(DiagnosticText.summary(report))
        case .text:
            if !report.all.isEmpty { out.append(DiagnosticOutput.text(report.all, excerpts: o.excerpts, fd: 1, known: known)) }
            out += DiagnosticText.commands(report)
            out.append(DiagnosticText.summary(report))
        }
        return Outcome(code: report.exitCode(strict: o.strict), lines: out.map { .init(stream: .out, text: $0) })
    }
}
