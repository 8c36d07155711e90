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

package enum Unmet {
    /// Every unmet or undetermined expectation, in plan order (cells, then invariants, then thresholds).
    package static func list(_ results: RunResults) -> [UnmetExpectation] {
        var out: [UnmetExpectation] = []
        for c in results.cells {
            let r = c.report, s = r.scenario
            for inv in r.invariants where inv.status == .unmet || inv.status == .undetermined {
                let rerun = inv.first.map { Rerun.command(s, seed: r.seed, trial: $0.trial, schedule: r.schedule(ofTrial: $0.trial)) } ?? Rerun.cell(s, seed: r.seed)
                out.append(UnmetExpectation(cell: s.name, name: inv.invariant.rawValue, status: inv.status,
                                            message: "expected \(inv.expectation.rawValue): \(inv.summary)",
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

    /// The closing block, like pytest's short test summary: every unmet expectation and its rerun.
    package static func shortSummary(_ results: RunResults) -> [String] {
        let unmet = list(results)
        guard !unmet.isEmpty else { return [] }
        var lines = ["", "── \(plural(unmet.count, "unmet expectation")) ──"]
        for u in unmet {
            let tag = u.status == .unmet ? "FAIL" : "UNKNOWN"
            lines.append(visible("\(tag) \(u.cell) :: \(u.name)\(u.location.map { " (\($0))" } ?? ""): \(u.message)"))
            lines.append("    rerun: " + visible(u.rerun))
        }
        return lines
    }
}
