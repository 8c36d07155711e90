import TicketRushModel
extension LintRule {
    /// A timeout shorter than the least time a buyer needs for its own delays.
    package static let timeoutTooShort = LintRule(
        "timeout-too-short",
        "timeout shorter than one buyer's own delays: every trial is cut off"
    ) { doc, warn in
        let s = doc.scenario
        // A lower bound: one buyer alone, smallest draws, no lock waits, only the first task.
        let least = s.delays.start.minNs + s.delays.search.minNs + s.delays.write.minNs
        guard least > 0, s.scaled(least) >= Double(s.timeoutNs) else { return [] }
        return [warn(at: "timeout",
            "timeout \(DurationText.format(s.timeoutNs)) is shorter than one buyer's own delays (at least \(s.scaledText(least)) after time_scale): every trial will be cut off")]
    }
}
