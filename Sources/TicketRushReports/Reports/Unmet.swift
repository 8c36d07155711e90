import TicketRushModel
import TicketRushChecks

/// One expectation a run did not meet (unmet or undetermined), with where it is written and
/// the command that reruns it: what the closing block, `--format github` and the step
/// summary list.
package struct UnmetExpectation: Sendable {
    package var cell: String
    /// `no-oversell`, or `threshold latency.p99 < 50ms`.
    package var name: String
    package var status: InvariantReport.Status
    package var message: String
    /// The `expect`/`thresholds` entry, else the scenario's start (nil without a file).
    package var location: SourceLocation?
    package var rerun: String
}

extension Rerun {
    /// The command that reruns a whole cell with its seed.
    package static func cell(_ scenario: Scenario, seed: UInt64) -> String {
        "ticketrush run \(shellQuoted(scenario.origin?.path ?? "FILE")) --cell \(shellQuoted(scenario.name)) --seed \(seed)"
    }
}

/// Unmet expectations that read alike: one entry, its expectations' names and its cells.
package struct UnmetGroup: Sendable {
    package var first: UnmetExpectation
    package var names: [String]
    package var cells: [String]
    package var entries: [UnmetExpectation]
}

package enum Unmet {
    /// Every unmet or undetermined expectation, in plan order (cells, then invariants, then thresholds).
    package static func list(_ results: RunResults) -> [UnmetExpectation] {
        var out: [UnmetExpectation] = []
        for c in results.cells {
            let r = c.report, s = r.scenario
            // Nothing reached the engine: the checkers' "could not be read" needs the reason and the next step.
            let nothing = EngineLine.trouble(r).map { "; \($0.next)" } ?? ""
            for inv in r.invariants where inv.status == .unmet || inv.status == .undetermined {
                let rerun = inv.first.map { Rerun.command(s, seed: r.seed, trial: $0.trial, schedule: r.schedule(ofTrial: $0.trial)) } ?? Rerun.cell(s, seed: r.seed)
                out.append(UnmetExpectation(cell: s.name, name: inv.invariant.rawValue, status: inv.status,
                                            message: "expected \(inv.expectation.rawValue): \(inv.summary)\(nothing)",
                                            location: s.origin(of: "expect.\(inv.invariant.rawValue)"), rerun: rerun))
            }
            for t in r.thresholds where t.status == .unmet || t.status == .undetermined {
                out.append(UnmetExpectation(cell: s.name, name: t.name, status: t.status, message: t.summary,
                                            location: s.origin(of: t.key), rerun: Rerun.cell(s, seed: r.seed)))
            }
        }
        return out
    }

    /// One line whatever a name holds: control characters shown as `\u001b` escapes.
    package static func visible(_ text: String) -> String { TicketRushModel.visible(text) }

    /// The closing block, like pytest's short test summary: every unmet expectation and its
    /// rerun; a cell's expectations that failed alike (same evidence, same rerun) share a line.
    package static func shortSummary(_ results: RunResults) -> [String] {
        let unmet = list(results)
        guard !unmet.isEmpty else { return [] }
        var lines = ["", "── \(plural(unmet.count, "unmet expectation")) ──"]
        for g in grouped(unmet, acrossCells: false) {
            let u = g.first
            let tag = u.status == .unmet ? "FAIL" : "UNKNOWN"
            lines.append(visible("\(tag) \(u.cell) :: \(g.names.joined(separator: ", "))\(u.location.map { " (\($0))" } ?? ""): \(u.message)"))
            lines.append("    rerun: " + visible(u.rerun))
        }
        return lines
    }

    /// Unmet expectations that read alike, as one: within a cell, the same status, evidence
    /// and rerun; `acrossCells`, also cells whose entries differ only in their numbers
    /// (a sweep's twelve "violated in 3 of 10 trials" as one entry ×12 naming the cells).
    package static func grouped(_ unmet: [UnmetExpectation], acrossCells: Bool) -> [UnmetGroup] {
        var groups: [UnmetGroup] = [], at: [String: Int] = [:]
        for u in unmet {
            let key = "\(u.cell)\u{0}\(u.status)\u{0}\(u.message)\u{0}\(u.rerun)"
            if let i = at[key] {
                groups[i].names.append(u.name)
                groups[i].entries.append(u)
            } else {
                at[key] = groups.count
                groups.append(UnmetGroup(first: u, names: [u.name], cells: [u.cell], entries: [u]))
            }
        }
        guard acrossCells else { return groups }
        var merged: [UnmetGroup] = []
        at = [:]
        for g in groups {
            let key = "\(g.names)\u{0}\(g.first.status)\u{0}\(shape(g.first.message))"
            if let i = at[key] {
                merged[i].cells.append(g.first.cell)
                merged[i].entries += g.entries
            } else {
                at[key] = merged.count
                merged.append(g)
            }
        }
        return merged
    }

    /// A message with its numbers blanked and plurals folded ("1 torn read by 1 buyer" and
    /// "2 torn reads by 2 buyers" alike): what stays when only counts and rates differ.
    static func shape(_ text: String) -> String {
        var out = "", inNumber = false
        for c in text {
            let digit = c.isNumber || (inNumber && (c == "." || c == "%"))
            if digit { if !inNumber { out.append("#") } } else { out.append(c) }
            inNumber = digit
        }
        return out.split(separator: " ").map { $0.hasSuffix("s") ? String($0.dropLast()) : String($0) }.joined(separator: " ")
    }
}
