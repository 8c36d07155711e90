import TicketRushModel

/// A checker's judgement of one trial: the verdict, its typed evidence, the tasks it
/// blames, and the evidence rendered as text once (with the buyers' names) for reports.
public struct CheckResult: Sendable, Codable, Equatable {
    public var invariant: Invariant
    public var verdict: Verdict
    public var evidence: Evidence
    /// The operations the verdict rests on (the oversold purchases, the torn reads, …).
    public var blamed: [TaskRef]
    /// One line: what happened (rendered from `evidence`).
    public var summary: String
    /// The facts behind it, a line each (first counterexample first).
    public var details: [String]

    public init(invariant: Invariant, verdict: Verdict, evidence: Evidence, blamed: [TaskRef] = [], name: (Int) -> String) {
        self.invariant = invariant
        self.verdict = verdict
        self.evidence = evidence
        self.blamed = blamed
        (summary, details) = EvidenceText.render(evidence, verdict: verdict, name: name)
    }

    /// True when the invariant does not apply to the trial's storage (neither held nor violated).
    public var notApplicable: Bool {
        if case .notApplicable = evidence { return true }
        return false
    }

    /// True when the invariant was violated or unknown (not applicable is neither).
    public var isProblem: Bool { verdict != .holds && !notApplicable }

    /// How bad it was, for picking the worst trial.
    public var severity: Int { verdict == .violated ? evidence.severity : 0 }
}

/// Judges one invariant on one trial's history: a pure function.
public protocol Checker: Sendable {
    var invariant: Invariant { get }
    /// True when a violation found in part of a history stands for the whole (more events
    /// could only add to it, as oversold purchases); false when every event is needed.
    var violationSurvivesGaps: Bool { get }
    /// False when a silent database server could itself cause the violation (a timeout):
    /// then a trial whose server did not answer leaves it unknown.
    var violationSurvivesSilence: Bool { get }
    /// True when the verdict rests on what the runner knows for certain (exit statuses,
    /// the timeout, the final document), not on the buyers' events.
    var ignoresEvents: Bool { get }
    /// True when the verdict needs to know which buyer did what (per task), not only totals:
    /// a whole program's unattributed lines make it `unknown`.
    var needsAttribution: Bool { get }
    func check(_ history: TrialHistory) throws -> CheckResult
}

extension Checker {
    public var violationSurvivesGaps: Bool { false }
    public var violationSurvivesSilence: Bool { violationSurvivesGaps }
    public var ignoresEvents: Bool { false }
    public var needsAttribution: Bool { false }

    /// Runs the checker. One that throws yields `unknown`, never a crash; on an incomplete
    /// history only what the gaps cannot change stands, the rest is `unknown` with the reason.
    public func judge(_ history: TrialHistory) -> CheckResult {
        let result: CheckResult
        do {
            result = try check(history)
        } catch {
            return CheckResult(invariant: invariant, verdict: .unknown, evidence: .checkerFailed("\(error)"), name: history.name)
        }
        // Lines that named no buyer only hide who did what: totals are still whole.
        let gaps = history.incomplete.filter { needsAttribution || !$0.onlyAttribution }
        // A server that did not answer made the exits and the timeout too: nothing stands on them.
        let silent = gaps.contains(where: \.isServer)
        if gaps.isEmpty || (ignoresEvents && !silent) || result.notApplicable { return result }
        if result.verdict == .violated && violationSurvivesGaps && (violationSurvivesSilence || !silent) { return result }
        return CheckResult(invariant: invariant, verdict: .unknown, evidence: .incomplete(gaps), name: history.name)
    }

    package func result(_ verdict: Verdict, _ evidence: Evidence, blamed: [TaskRef] = [], _ h: TrialHistory) -> CheckResult {
        CheckResult(invariant: invariant, verdict: verdict, evidence: evidence, blamed: blamed, name: h.name)
    }
}

extension Verdict {
    /// Composes verdicts Jepsen-style: the worst wins (violated > unknown > holds).
    public static func compose(_ verdicts: some Sequence<Verdict>) -> Verdict {
        verdicts.max() ?? .holds
    }
}
