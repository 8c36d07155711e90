import TicketRushModel
import TicketRushChecks

/// GitHub Actions: workflow commands that annotate the scenario file at the line of each unmet
/// expectation, and the Markdown job summary (`$GITHUB_STEP_SUMMARY`).
package enum GitHubReport {
    /// One `::error file=…,line=…,col=…,title=…::message` per unmet expectation.
    package static func annotations(_ results: RunResults) -> [String] {
        var out = Unmet.list(results).map { u in
            var props: [String] = []
            if let at = u.location {
                props += ["file=\(property(at.path))", "line=\(at.line)", "col=\(at.column)"]
            }
            props.append("title=\(property("\(u.cell): \(u.name)"))")
            return "::error \(props.joined(separator: ","))::\(data("\(u.message)\nrerun: \(u.rerun)"))"
        }
        if let why = results.incomplete {
            out.append("::error title=ticketrush run incomplete::\(data("the run did not complete (\(why)); it is not judged"))")
        }
        return out
    }

    /// A workflow command's message: `%`, CR and LF escaped, so no text can start a new command.
    package static func data(_ text: String) -> String { GitHubCommand.escape(text, property: false) }

    /// A workflow command's property value: as `data`, and `:` and `,` too.
    package static func property(_ text: String) -> String {
        GitHubCommand.escape(text, property: true)
    }

    /// The job summary: verdict, then a table of cells with the unmet ones first, then the
    /// rerun commands.
    package static func stepSummary(_ results: RunResults) -> String {
        let cells = results.cells
        let all = cells.flatMap(\.report.judged)
        let met = all.filter { $0 == .met }.count
        let pending = all.filter { $0 == .pending }.count
        var out = "## ticketrush: \(results.incomplete != nil ? "INCOMPLETE" : results.passed ? (pending > 0 ? "no failures (shard)" : "passed") : "FAILED")\n\n"
        out += "\(met) of \(all.count) expectations met"
        out += pending > 0 ? ", \(pending) pending (judged at merge)" : ""
        out += "; \(plural(results.trials.count, "trial")) in \(plural(cells.count, "cell")).\n\n"
        if let why = results.incomplete { out += "**The run did not complete** (\(cell(why))): it is not judged.\n\n" }
        out += "| result | cell | trials | unmet | violated |\n|---|---|---|---|---|\n"
        let order = cells.filter { !$0.report.passed } + cells.filter { $0.report.passed }
        for c in order {
            let r = c.report
            let unmet = r.invariants.filter { $0.status == .unmet || $0.status == .undetermined }.map { $0.invariant.rawValue }
                + r.thresholds.filter { $0.status == .unmet || $0.status == .undetermined }.map(\.name)
            let violated = r.invariants.filter { $0.violated > 0 }
                .map { "\($0.invariant.rawValue) \($0.violated)/\($0.trials)\($0.expectation == .violated ? " (expected)" : "")" }
            out += "| \(r.mark) | \(cell(c.record.name)) | \(c.trials.count) | \(cell(unmet.joined(separator: ", "))) | \(cell(violated.joined(separator: ", "))) |\n"
        }
        let unmet = Unmet.list(results)
        if !unmet.isEmpty {
            out += "\n### Rerun locally\n\n```sh\n"
            for u in unmet { out += "# \("\(u.cell) :: \(u.name)".map { $0 == "\n" || $0 == "\r" ? " " : String($0) }.joined())\n\(u.rerun)\n" }
            out += "```\n"
        }
        return out
    }

    /// Table cell text: no line break, no column break, no HTML.
    static func cell(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "|": out += "\\|"
            case "\n", "\r": out += " "
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(ch)
            }
        }
        return out
    }
}
