import TicketRushModel
extension LintRule {
    /// `expect: violated` with one trial on a race whose window is not forced wide open.
    package static let expectNeedsLuck = LintRule(
        "expect-needs-luck",
        "expect: violated with trials: 1 when the race window is under 1ms or random: one lucky trial fails the run"
    ) { doc, warn in
        let s = doc.scenario
        // Under a controlled schedule the trials are the schedules the strategy runs: no luck.
        guard s.trials == 1, s.buyers.count > 1, !s.schedule.isControlled else { return [] }
        return s.expect.keys.sorted().compactMap { invariant -> Diagnostic? in
            guard s.expect[invariant] == .violated else { return nil }
            let window: (name: String, delay: Delay)
            switch invariant {
            case .noOversell, .conservation: window = ("write", s.delays.write)
            case .noTornRead: window = ("truncate", s.delays.truncate)
            default: return nil
            }
            let open = s.scaled(window.delay.minNs)
            let stagger = s.scaled(s.delays.start.maxNs)
            let why: String
            if open < 1_000_000 {
                why = "the race window (delays.\(window.name) after time_scale) is \(s.scaledText(window.delay.minNs)), under 1ms"
            } else if stagger >= open {
                why = "delays.start can spread buyers (\(s.scaledText(s.delays.start.maxNs))) wider than the race window (\(s.scaledText(window.delay.minNs)))"
            } else {
                return nil
            }
            return warn(at: "expect.\(invariant.rawValue)",
                "'expect.\(invariant.rawValue): violated' with trials: 1 needs luck: \(why); set trials to 20 or more so the race shows up in at least one")
        }
    }
}
