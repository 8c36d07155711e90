import TicketRushModel
extension LintRule {
    /// A kill under a lock nothing frees for a dead holder, with a long timeout: each trial
    /// where the victim held the lock waits out the whole timeout before it is diagnosed.
    /// Not under a controlled schedule: there no buyer is enabled and the runner says
    /// deadlock at once (scenarios/schedules/holder-killed.yaml).
    package static let deadHolderWaits = LintRule(
        "dead-holder-waits",
        "a kill fault under a lock nothing frees for a dead holder (\(LockMode.allCases.filter { $0.traits.deadHolder == .neverReleased }.map(\.rawValue).joined(separator: ", "))) with a timeout of 10s or more, timing schedule: deadlocked trials wait it out"
    ) { doc, warn in
        let s = doc.scenario
        guard s.lock.mode.traits.deadHolder == .neverReleased, s.timeoutNs >= 10_000_000_000, !s.schedule.isControlled else { return [] }
        return s.faults.enumerated().filter { $0.element.action == .kill }.map { i, _ in
            warn(at: "faults[\(i)].kill",
                 "a buyer killed holding the \(s.lock.mode.rawValue) lock is never replaced: every such trial waits the whole timeout (\(DurationText.format(s.timeoutNs))) before no-deadlock diagnoses it; a short timeout (e.g. 2s) keeps the run fast")
        }
    }
}
