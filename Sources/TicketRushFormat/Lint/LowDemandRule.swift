import TicketRushModel
extension LintRule {
    /// Buyers who together want far fewer tickets than there are.
    package static let lowDemand = LintRule(
        "low-demand",
        "buyers × wants under half the tickets: most stay unsold and no-undersell is never tested"
    ) { doc, warn in
        let s = doc.scenario
        guard s.tickets > 0, s.demand * 2 < s.tickets else { return [] }
        return [warn(at: "tickets",
            "buyers × wants = \(s.demand) is far below tickets: \(s.tickets): most tickets stay unsold and no-undersell is not tested; raise buyers.count or buyers.wants")]
    }
}
