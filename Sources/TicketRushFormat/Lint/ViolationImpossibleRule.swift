import TicketRushModel
extension LintRule {
    /// `expect: violated` where the scenario cannot violate the invariant.
    package static let violationImpossible = LintRule(
        "violation-impossible",
        "expect: violated for an invariant this scenario cannot break (one buyer; torn reads with atomic writes)"
    ) { doc, warn in
        let s = doc.scenario
        var found: [Diagnostic] = []
        func expectViolated(_ invariant: Invariant, _ why: String) {
            guard s.expect[invariant] == .violated else { return }
            found.append(warn(at: "expect.\(invariant.rawValue)",
                "'expect.\(invariant.rawValue): violated' cannot be met: \(why)"))
        }
        if s.buyers.count == 1 {
            for invariant in [Invariant.noOversell, .conservation] {
                expectViolated(invariant, "a single buyer never races anyone")
            }
        }
        if s.storage.write == .atomic {
            expectViolated(.noTornRead, "storage.write: atomic never shows a reader a half-written file")
        }
        return found
    }
}
