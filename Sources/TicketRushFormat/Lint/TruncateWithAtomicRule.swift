import TicketRushModel
extension LintRule {
    /// A truncate delay that atomic writes never reach.
    package static let truncateWithAtomic = LintRule(
        "truncate-with-atomic",
        "delays.truncate with storage.write: atomic: atomic writes never truncate, so it is ignored"
    ) { doc, warn in
        let s = doc.scenario
        guard s.storage.write == .atomic, s.delays.truncate.maxNs > 0 else { return [] }
        return [warn(at: "delays.truncate",
            "delays.truncate is ignored with storage.write: atomic (atomic writes never truncate); use in-place to show torn reads")]
    }
}
