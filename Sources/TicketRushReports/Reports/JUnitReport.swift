#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChecks

/// The JUnit XML report: one testsuite per scenario, one testcase per invariant.
/// Valid against the Jenkins xUnit junit-10.xsd and read by junitparser.
package enum JUnitReport {
    /// `incomplete`: why the run stopped early; it becomes an `<error>` testcase, so no
    /// JUnit consumer reads a cut-short run as green.
    package static func xml(_ reports: [ScenarioReport], incomplete: String? = nil, hostname: String = JUnitReport.hostname()) -> String {
        var w = XMLWriter()
        let tests = reports.reduce(0) { $0 + $1.statuses.count } + (incomplete == nil ? 0 : 1)
        let failures = reports.reduce(0) { $0 + $1.statuses.filter { $0 == .unmet }.count }
        let errors = reports.reduce(0) { $0 + $1.statuses.filter { $0 == .undetermined }.count } + (incomplete == nil ? 0 : 1)
        let time = reports.reduce(UInt64(0)) { $0 + $1.durationNs }
        w.open("testsuites", [("name", "ticketrush"), ("tests", "\(tests)"), ("failures", "\(failures)"),
                              ("errors", "\(errors)"), ("time", seconds(time))])
        for (id, report) in reports.enumerated() {
            suite(&w, report, id: id, hostname: hostname)
        }
        if let incomplete {
            w.open("testsuite", [("name", "ticketrush"), ("tests", "1"), ("failures", "0"), ("errors", "1"), ("skipped", "0"),
                                 ("time", "0.000"), ("timestamp", timestamp(reports.first?.startedAt ?? 0)), ("hostname", hostname),
                                 ("id", "\(reports.count)"), ("package", "ticketrush")])
            w.open("testcase", [("classname", "ticketrush"), ("name", "run completed"), ("time", "0.000")])
            w.element("error", [("message", "the run did not complete: \(incomplete)"), ("type", "RunIncomplete")],
                      body: "the run did not complete (\(incomplete)); the trials above are those that finished, and no expectation of the run is judged as met\n")
            w.close("testcase")
            w.close("testsuite")
        }
        w.close("testsuites")
        return w.text
    }

    private static func suite(_ w: inout XMLWriter, _ r: ScenarioReport, id: Int, hostname: String) {
        let s = r.scenario
        let statuses = r.statuses
        let perCase = statuses.isEmpty ? 0 : r.durationNs / UInt64(statuses.count)
        w.open("testsuite", [
            ("name", s.name), ("tests", "\(statuses.count)"),
            ("failures", "\(statuses.filter { $0 == .unmet }.count)"),
            ("errors", "\(statuses.filter { $0 == .undetermined }.count)"),
            ("skipped", "\(statuses.filter { $0 == .pending || $0 == .notApplicable || $0 == .skipped }.count)"), ("time", seconds(r.durationNs)), ("timestamp", timestamp(r.startedAt)),
            ("hostname", hostname), ("id", "\(id)"), ("package", "ticketrush"),
        ])
        w.open("properties")
        for (name, value) in properties(r) { w.empty("property", [("name", name), ("value", value)]) }
        w.close("properties")
        for inv in r.invariants {
            let attrs = [("classname", s.name), ("name", inv.invariant.rawValue), ("time", seconds(perCase))]
            switch inv.status {
            case .notApplicable, .skipped:
                w.open("testcase", attrs)
                // The reason as text: junit4's schema allows no attributes on <skipped>.
                w.element("skipped", body: inv.summary)
                w.close("testcase")
            case .met:
                w.open("testcase", attrs)
                let rerun = inv.first.map { "first counterexample: trial \($0.trial + 1): rerun: \(Rerun.command(s, seed: r.seed, trial: $0.trial, schedule: r.schedule(ofTrial: $0.trial)))\n" } ?? ""
                w.element("system-out", body: "expect \(inv.expectation.rawValue): \(inv.summary)\n" + rerun)
                w.close("testcase")
            case .pending:
                // A shard cannot judge "violated in at least one trial" alone.
                w.open("testcase", attrs)
                // No `message` attribute: the JUnit 4 schema's <skipped> is text only.
                w.element("skipped", body: "judged at merge: expect \(inv.expectation.rawValue): \(inv.summary)\n")
                w.close("testcase")
            case .unmet, .undetermined:
                w.open("testcase", attrs)
                let tag = inv.status == .unmet ? "failure" : "error"
                let type = inv.status == .unmet
                    ? (inv.expectation == .hold ? "InvariantViolated" : "ViolationNotObserved") : "Undetermined"
                let at = s.origin(of: "expect.\(inv.invariant.rawValue)").map { "written at: \($0)\n" } ?? ""
                w.element(tag, [("message", inv.summary), ("type", type)], body: evidence(inv, r) + at)
                w.close("testcase")
            }
        }
        for t in r.thresholds {
            let attrs = [("classname", s.name), ("name", t.name), ("time", seconds(perCase))]
            w.open("testcase", attrs)
            let at = s.origin(of: t.key).map { "at \($0): " } ?? ""
            switch t.status {
            case .met: w.element("system-out", body: "\(t.summary)\n")
            case .pending: w.element("skipped", body: "judged at merge: \(t.summary)\n")
            case .notApplicable, .skipped: w.element("skipped", body: "\(t.summary)\n")
            case .unmet: w.element("failure", [("message", t.summary), ("type", "ThresholdNotMet")], body: "\(at)\(t.key): \(t.threshold.condition)\nobserved: \(t.summary)\n")
            case .undetermined: w.element("error", [("message", t.summary), ("type", "Undetermined")], body: "\(at)\(t.summary)\n")
            }
            w.close("testcase")
        }
        w.element("system-out", body: trialLines(r))
        w.close("testsuite")
    }

    /// The scenario's parameters, as CI systems show them.
    package static func properties(_ r: ScenarioReport) -> [(String, String)] {
        let s = r.scenario
        return [
            ("tickets", "\(s.tickets)"), ("buyers", "\(s.buyers.count)"), ("wants", "\(s.buyers.wants)"),
            ("lock.mode", s.lock.mode.rawValue), ("lock.scope", s.lock.scope.rawValue),
            ("lock.retries", "\(s.lock.retries)"),
            ("storage.kind", s.storage.kind.rawValue), ("storage.write", s.storage.write.rawValue),
            ("trials", "\(r.trials.count)"), ("seed", "\(r.seed)"), ("time_scale", "\(s.timeScale)"),
            ("timeout", DurationText.format(s.timeoutNs)),
        ] + (s.description.map { [("description", $0)] } ?? [])
            + (s.origin.map { [("file", $0.description)] } ?? [])
            + (s.cell.map { [("cell", $0.label)] } ?? [])
            + s.faults.enumerated().map { ("faults[\($0.offset)]", $0.element.summary) }
            + (s.stopRule.map { [("trials.until", "rate_below \(percent($0.rateBelow, places: 2)) at \(percent($0.confidence, places: 0))")] } ?? [])
            + scheduleProperties(r)
            + (EngineLine.text(r).map { [("engine", $0)] } ?? [])
    }

    /// A controlled cell's strategy and coverage.
    package static func scheduleProperties(_ r: ScenarioReport) -> [(String, String)] {
        guard let x = r.exploration else { return [] }
        var out = [("schedule.strategy", x.strategy), ("schedule.runs", "\(x.runs)"), ("schedule.violating", "\(x.violating)"),
                   ("schedule.coverage", x.statement)]
        if let complete = x.complete { out.append(("schedule.complete", "\(complete)")) }
        if x.abandoned > 0 { out.append(("schedule.abandoned", "\(x.abandoned)")) }
        if let stop = x.stoppedBy { out.append(("schedule.stopped_by", stop.rawValue)) }
        if let p = x.pctBound { out.append(("schedule.pct_bound", "\(p)")) }
        if let replay = x.replay { out.append(("schedule.counterexample", replay)) }
        return out
    }

    /// The failure body: the counterexample with its facts and how to rerun that trial.
    package static func evidence(_ inv: InvariantReport, _ r: ScenarioReport) -> String {
        var lines = ["expected: \(inv.invariant.rawValue) \(inv.expectation == .hold ? "holds in every trial" : "is violated in at least one trial")",
                     "observed: \(inv.summary)"]
        for (label, example) in [("first", inv.first), ("worst", inv.worst)] {
            guard let e = example else { continue }
            if label == "worst", e.trial == inv.first?.trial { continue }
            lines.append("\(label) counterexample: trial \(e.trial + 1) (trial seed \(e.seed)): \(e.result.summary)")
            lines += e.result.details.map { "  \($0)" }
            lines.append("  rerun: \(Rerun.command(r.scenario, seed: r.seed, trial: e.trial, schedule: r.schedule(ofTrial: e.trial)))")
        }
        lines += r.explorationLines
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per trial, for `<system-out>`.
    package static func trialLines(_ r: ScenarioReport) -> String {
        let engine = (EngineLine.text(r).map { [$0] } ?? []) + (EngineLine.trouble(r).map { [$0.what, $0.next] } ?? [])
        return engine.map { $0 + "\n" }.joined() + r.explorationLines.map { $0 + "\n" }.joined() + r.trials.map { t in
            let verdicts = t.results.filter(\.isProblem).map { "\($0.invariant.rawValue)=\($0.verdict.rawValue)" }
            return "trial \(t.trial + 1)\(t.schedule.map { " schedule \($0)" } ?? "") seed \(t.seed): sold \(t.sold)/\(r.scenario.tickets), final \(describe(t.finalRead)), "
                + "torn reads \(t.tornReads), \(formatMillis(t.durationNs))\(t.timedOut ? ", TIMED OUT" : "")"
                + (verdicts.isEmpty ? "" : "; " + verdicts.joined(separator: " "))
                + (t.engineMessages.map { "; engine: " + $0.joined(separator: " | ") } ?? "")
        }.joined(separator: "\n") + "\n"
    }

    /// Plain decimal seconds with three places, as the schema's SUREFIRE_TIME allows.
    package static func seconds(_ ns: UInt64) -> String {
        let ms = (ns + 500_000) / 1_000_000
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    /// ISO 8601 UTC without zone, as Ant writes it.
    package static func timestamp(_ seconds: Double) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    package static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
