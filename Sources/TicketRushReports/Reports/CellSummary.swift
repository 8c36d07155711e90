import TicketRushModel
import TicketRushChecks
/// The terminal's statistics lines for one cell: what the trials are worth, how fast the
/// buyers were, how the lock time split, and why a stopping rule stopped.
package enum CellSummary {
    package static func lines(_ c: RunResults.Cell) -> [String] {
        var out: [String] = []
        if c.report.skipReason != nil { return out }
        if c.report.scenario.sessions != nil { return sessionLines(c) }
        if let engine = EngineLine.text(c.report) { out.append("    " + engine) }
        let invariants = c.report.invariants
        let clean = invariants.filter { $0.violated == 0 && $0.unknown == 0 && $0.status != .notApplicable && $0.status != .skipped }
        let trouble = EngineLine.trouble(c.report)
        if let trouble { out += ["    " + trouble.what, "    " + trouble.next] }
        // Held only because nothing happened is not a pass of anything.
        if trouble?.nothing != true, let sample = clean.first {
            out.append("    \(plural(clean.count, "invariant")) never violated: \(sample.rate.statement()) each")
        }
        for i in invariants where i.violated > 0 {
            out.append("    \(i.invariant.rawValue): \(i.rate.statement())")
        }
        if let first = c.trials.first(where: \.failed), c.report.passed {
            // Unmet expectations print their own rerun line (TerminalSummary.details).
            // The cell passed, so what its first non-holding trial shows was expected.
            let what = first.results.contains { $0.verdict == .violated } ? "expected violation seen" : "first unknown verdict"
            out.append("    \(what) in trial \(first.trial + 1): rerun: \(Rerun.command(c.report.scenario, seed: c.record.seed, trial: first.trial, schedule: first.schedule))")
        }
        out += c.report.explorationLines.map { "    " + $0 }
        var speed = "    \(fixed(c.throughput, places: 1)) purchases/s"
        if let l = c.latency {
            speed += "  latency p50 \(millis(l.p50)) p90 \(millis(l.p90)) p99 \(millis(l.p99)) max \(millis(l.max)) ms"
        }
        if c.lockAcquisitions > 0 && c.censoredWaitsNs.isEmpty {
            let total = Double(c.lockWaitNs + c.lockHoldNs)
            let (wait, hold) = (millis(c.lockWaitNs / UInt64(c.lockAcquisitions)), millis(c.lockHoldNs / UInt64(c.lockAcquisitions)))
            // A BEGIN that locks nothing is no lock held: say what the time was.
            let lock = LockNarration(c.report.scenario)
            if lock.exclusive {
                speed += "  lock: waiting \(wait) ms, holding \(hold) ms per acquisition"
                if total > 0 { speed += " (\(percent(Double(c.lockWaitNs) / total, places: 0)) waiting)" }
            } else {
                speed += "  \(lock.band): \(hold) ms each (starting took \(wait) ms)"
            }
        } else if !c.censoredWaitsNs.isEmpty {
            speed += "  lock: " + censoredText(c)
        }
        out.append(speed)
        if let rule = c.report.scenario.stopRule, let reason = c.stopReason {
            let why: String
            switch reason {
            case .violation: why = "a hold invariant was violated"
            case .bounded: why = "every hold invariant's rate is below \(percent(rule.rateBelow, places: 2)) at \(percent(rule.confidence, places: 0))"
            case .max: why = "reached the maximum without bounding the rate below \(percent(rule.rateBelow, places: 2))"
            }
            out.append("    stopped after \(plural(c.trials.count, "trial")): \(why)")
        }
        return out
    }

    /// A session case: where it ran, its coverage, and the first run that was not
    /// serializable (what each step returned, and why no serial order explains it).
    static func sessionLines(_ c: RunResults.Cell) -> [String] {
        var out = EngineLine.text(c.report).map { ["    " + $0] } ?? []
        out += c.report.explorationLines.map { "    " + $0 }
        guard c.report.passed, let first = c.trials.first(where: \.failed), let result = first.results.first else { return out }
        out.append("    order \(first.trial + 1): \(result.summary)")
        out += result.details.map { "      \($0)" }
        return out
    }

    /// Lock time when some waits never acquired (a deadlock, a dead holder): those waits
    /// count with their length so far, a lower bound, and the line says how many.
    package static func censoredText(_ c: RunResults.Cell) -> String {
        let censored = c.censoredWaitsNs
        let waits = c.lockAcquisitions + censored.count
        let totalWait = c.lockWaitNs + censored.reduce(0, +)
        var text = "waiting ≥ \(millis(totalWait / UInt64(waits))) ms per wait (\(censored.count) of \(plural(waits, "wait")) censored: "
            + "cut off by the timeout or a death after up to \(millis(censored.max() ?? 0)) ms)"
        if c.lockAcquisitions > 0 { text += ", holding \(millis(c.lockHoldNs / UInt64(c.lockAcquisitions))) ms per acquisition" }
        return text
    }
}
