import TicketRushModel
extension LintRule {
    /// A lock around the write alone: the classic mistake that still oversells.
    package static let lockScopeWrite = LintRule(
        "lock-scope-write",
        "lock.scope: write with a lock: buyers still read the same count before anyone writes"
    ) { doc, warn in
        let s = doc.scenario
        guard s.lock.mode != .none, s.lock.scope == .write, s.expect[.noOversell] != .violated else { return [] }
        return [warn(at: "lock.scope",
            "lock.scope 'write' locks only the write: buyers still read the same count and oversell; use 'purchase' to fix the race (or expect no-oversell: violated if the mistake is the point)")]
    }
}
