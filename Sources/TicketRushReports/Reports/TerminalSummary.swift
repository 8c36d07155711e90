import TicketRushModel
import TicketRushChecks
/// The terminal summary: a line per scenario, then the evidence for every unmet expectation.
package enum TerminalSummary {
    package static func line(_ r: ScenarioReport) -> String {
        if let skip = r.skipReason { return "SKIP  \(r.scenario.name)  \(skip)" }
        let mark = r.mark
        let sold = r.trials.map(\.sold)
        let soldText = sold.min() == sold.max() ? "\(sold.first ?? 0)" : "\(sold.min() ?? 0)–\(sold.max() ?? 0)"
        let torn = r.trials.reduce(0) { $0 + $1.tornReads }
        // Words match the verdict: a violation the scenario expects says so.
        let violated = r.invariants.filter { $0.violated > 0 }
            .map { "\($0.invariant.rawValue) \($0.violated)/\($0.trials)\($0.expectation == .violated ? " (expected)" : " (unexpected)")" }
        var text = "\(mark)  \(r.scenario.name)  \(plural(r.trials.count, "trial"))  sold \(soldText) of \(r.scenario.tickets)"
        text += "  torn reads \(torn)  \(JUnitReport.seconds(r.durationNs))s"
        // A session case has orders, not trials of buyers (docs/isolation.md).
        if let c = r.scenario.sessions {
            text = "\(mark)  \(r.scenario.name)  \(plural(r.trials.count, "order"))  \(c.caseName.map { "case \($0), " } ?? "")\(r.scenario.storage.kind.rawValue) \(r.trials.last?.isolation?.isolation ?? r.scenario.storage.isolation.rawValue)"
            if let row = r.trials.last?.isolation { text += "  \(row.outcome)\(row.how.isEmpty ? "" : " (\(row.how))")" }
        }
        if !violated.isEmpty { text += "  violated: " + violated.joined(separator: ", ") }
        return text
    }

    /// Indented evidence lines for each expectation that was not met.
    package static func details(_ r: ScenarioReport) -> [String] {
        var out: [String] = []
        // Databases: the engines' own messages, once per scenario (the first trial that had any).
        if let messages = r.trials.lazy.compactMap(\.engineMessages).first {
            out += messages.map { "    engine: \($0)" }
        }
        for inv in r.invariants where inv.status != .met && inv.status != .notApplicable && inv.status != .skipped {
            out.append("    \(inv.invariant.rawValue) (expected \(inv.expectation.rawValue)): \(inv.summary)")
            if inv.status == .pending { continue }
            if let e = inv.first {
                out += e.result.details.map { "      \($0)" }
                if r.scenario.sessions != nil { continue }
                out.append("      rerun: \(Rerun.command(r.scenario, seed: r.seed, trial: e.trial, schedule: r.schedule(ofTrial: e.trial)))")
            }
        }
        for t in r.thresholds where t.status != .met {
            out.append("    \(t.name): \(t.summary)")
        }
        return out
    }

    /// The closing line over all expectations.
    package static func total(_ reports: [ScenarioReport], incomplete: String? = nil) -> String {
        let all = reports.flatMap(\.judged)
        let skipped = reports.filter { $0.skipReason != nil }.count
        let passed = all.filter { $0 == .met }.count
        let pending = all.filter { $0 == .pending }.count
        let failed = all.count - passed - pending
        if let incomplete {
            return "ticketrush: INCOMPLETE (\(incomplete)): \(passed) of \(all.count) expectations met in the trials that finished; the run is not judged"
        }
        return "ticketrush: \(passed) of \(all.count) expectations met" + (failed > 0 ? ", \(failed) not" : "")
            + (pending > 0 ? ", \(pending) pending: judged at merge (a shard alone cannot see every trial)" : "")
            + (skipped > 0 ? "; \(plural(skipped, "scenario")) skipped (engine not installed)" : "")
    }
}
