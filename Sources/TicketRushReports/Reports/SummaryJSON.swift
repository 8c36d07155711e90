#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushChecks

/// summary.json: per cell and invariant, counts, rates and intervals; per cell, throughput,
/// latency percentiles and lock time. Keys documented in docs/results.md; order is fixed.
package enum SummaryJSON {
    package static func text(_ results: RunResults) -> String {
        let cells = results.cells
        let all = cells.flatMap(\.report.judged)
        let notJudged = cells.flatMap(\.report.statuses)
        let met = all.filter { $0 == .met }.count
        var out = "{\n  \"format\": 2,\n  \"tool\": \"ticketrush\",\n"
        if let shard = results.shard { out += "  \"shard\": \"\(shard.k)/\(shard.n)\",\n" }
        out += "  \"passed\": \(results.passed),\n"
        out += "  \"complete\": \(results.incomplete == nil),\n"
        if let why = results.incomplete { out += "  \"incomplete\": \(jsonString(why)),\n" }
        out += "  \"expectations\": {\"total\": \(all.count), \"met\": \(met), \"unmet\": \(all.filter { $0 == .unmet }.count), \"undetermined\": \(all.filter { $0 == .undetermined }.count), \"pending\": \(all.filter { $0 == .pending }.count), \"not_applicable\": \(notJudged.filter { $0 == .notApplicable }.count), \"skipped\": \(notJudged.filter { $0 == .skipped }.count)},\n"
        out += "  \"trials\": \(results.trials.count),\n"
        out += "  \"cells\": [\n"
        out += cells.map { cell($0) }.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return out
    }

    private static func cell(_ c: RunResults.Cell) -> String {
        let r = c.report, rec = c.record
        var f: [(String, String)] = [
            ("name", jsonString(rec.name)),
            ("scenario", jsonString(rec.baseName)),
            ("cell", "{" + (rec.parameters ?? []).map { "\(jsonString($0.path)): \(jsonString($0.value))" }.joined(separator: ", ") + "}"),
            ("description", rec.scenario.description.map(jsonString) ?? "null"),
            ("file", rec.file.map(jsonString) ?? "null"),
            ("seed", "\(rec.seed)"),
            ("passed", "\(r.passed)"),
            ("trials", "\(c.trials.count)"),
            ("trials_planned", "\(rec.trials)"),
        ]
        if let rule = rec.scenario.stopRule {
            let (rate, conf) = (rule.rateBelow, rule.confidence)
            f.append(("stop", "{\"rate_below\": \(number(rate)), \"confidence\": \(number(conf)), \"reason\": \(c.stopReason.map { jsonString($0.rawValue) } ?? "null")}"))
        }
        let totalNs = c.trials.reduce(UInt64(0)) { $0 + $1.durationNs }
        f += [
            ("sold", "\(c.trials.reduce(0) { $0 + $1.sold })"),
            ("duration_ms", millis(totalNs)),
            ("purchases_per_s", fixed(c.throughput, places: 1)),
            ("latency_ms", c.latency.map { "{\"count\": \($0.count), \"p50\": \(millis($0.p50)), \"p90\": \(millis($0.p90)), \"p99\": \(millis($0.p99)), \"max\": \(millis($0.max))}" } ?? "null"),
            ("lock_ms", "{\"acquisitions\": \(c.lockAcquisitions), \"censored_waits\": \(c.censoredWaitsNs.count), "
                + "\"censored_wait_total\": \(millis(c.censoredWaitsNs.reduce(0, +))), \"wait_p95\": \(c.lockWait.map { millis($0.p95) } ?? "null"), \"wait_total\": \(millis(c.lockWaitNs)), \"hold_total\": \(millis(c.lockHoldNs)), "
                + "\"wait_mean\": \(c.lockAcquisitions == 0 ? "null" : millis(c.lockWaitNs / UInt64(c.lockAcquisitions))), "
                + "\"hold_mean\": \(c.lockAcquisitions == 0 ? "null" : millis(c.lockHoldNs / UInt64(c.lockAcquisitions)))}"),
            ("schedule", c.report.exploration.map(schedule) ?? "null"),
            ("first_failing_trial", c.trials.first(where: \.failed).map { "\($0.trial + 1)" } ?? "null"),
            ("invariants", "[\n" + r.invariants.map { invariant($0, r) }.joined(separator: ",\n") + "\n      ]"),
            ("thresholds", r.thresholds.isEmpty ? "[]" : "[\n" + r.thresholds.map(threshold).joined(separator: ",\n") + "\n      ]"),
        ]
        return "    {\n" + f.map { "      \(jsonString($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n    }"
    }

    /// A controlled cell: strategy, coverage, the counterexample and its shrunk story.
    private static func schedule(_ x: ScheduleSummary) -> String {
        var f: [(String, String)] = [
            ("strategy", jsonString(x.strategy)), ("runs", "\(x.runs)"), ("abandoned", "\(x.abandoned)"),
            ("complete", x.complete.map { "\($0)" } ?? "null"), ("stopped_by", x.stoppedBy.map { jsonString($0.rawValue) } ?? "null"),
            ("violating", "\(x.violating)"),
            ("coverage", jsonString(x.statement)), ("pct_bound", x.pctBound.map(number) ?? "null"),
            ("counterexample", x.replay.map(jsonString) ?? "null"), ("replay", x.replayCommand.map(jsonString) ?? "null"),
            ("shrunk", x.shrunk.map(jsonString) ?? "null"), ("shrunk_replay", x.shrunkCommand.map(jsonString) ?? "null"),
            ("story", x.story.map { "[" + $0.map(jsonString).joined(separator: ", ") + "]" } ?? "null"),
        ]
        f = f.filter { !($0.1 == "null" && ["pct_bound", "shrunk", "shrunk_replay", "story"].contains($0.0)) }
        return "{" + f.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    private static func invariant(_ i: InvariantReport, _ r: ScenarioReport) -> String {
        let (lower, upper) = i.rate.wilson()
        var f: [(String, String)] = [
            ("name", jsonString(i.invariant.rawValue)), ("expect", jsonString(i.expectation.rawValue)),
            ("status", jsonString(i.status.rawValue)), ("trials", "\(i.trials)"), ("violated", "\(i.violated)"),
            ("unknown", "\(i.unknown)"), ("rate", number(i.rate.rate)), ("wilson95", "[\(number(lower)), \(number(upper))]"),
            ("statement", jsonString(i.rate.statement())),
        ]
        if let x = i.stoppedSearch {
            // What a hold over a search stopped short is worth (explored, not every interleaving).
            f.append(("search", "{\"stopped_by\": \(jsonString(x.stop.rawValue)), \"explored\": \(x.explored), \"summary\": \(jsonString(i.summary))}"))
        }
        if let e = i.first {
            f.append(("first_counterexample", "{\"trial\": \(e.trial + 1), \"seed\": \(e.seed), "
                + (r.schedule(ofTrial: e.trial).map { "\"schedule\": \(jsonString($0)), " } ?? "") + "\"verdict\": \(jsonString(e.result.verdict.rawValue)), "
                + "\"summary\": \(jsonString(e.result.summary)), \"rerun\": \(jsonString(Rerun.command(r.scenario, seed: r.seed, trial: e.trial, schedule: r.schedule(ofTrial: e.trial))))}"))
        }
        return "        {" + f.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    private static func threshold(_ t: ThresholdReport) -> String {
        let measured = t.measured.map { t.threshold.metric.isDuration ? millis(UInt64(max(0, $0))) : number($0) } ?? "null"
        let f: [(String, String)] = [
            ("metric", jsonString(t.threshold.metric.rawValue)), ("condition", jsonString(t.threshold.condition)),
            ("status", jsonString(t.status.rawValue)), ("measured", measured),
            ("unit", jsonString(t.threshold.metric.isDuration ? "ms" : "")), ("summary", jsonString(t.summary)),
        ]
        return "        {" + f.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// Six decimals, enough for rates and intervals.
    package static func number(_ v: Double) -> String { fixed(v, places: 6) }
}
