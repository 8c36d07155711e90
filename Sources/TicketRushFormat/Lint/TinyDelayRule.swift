import TicketRushModel
extension LintRule {
    /// A non-zero delay that time_scale shrinks below one microsecond.
    package static let tinyDelay = LintRule(
        "tiny-delay",
        "a non-zero delay that time_scale makes shorter than 1us: sleeps that short are noise"
    ) { doc, warn in
        let s = doc.scenario
        guard case .object(let delays)? = doc.value["delays"] else { return [] }
        // Every key under delays, so delays added to the format later are checked too.
        return delays.keys.sorted().compactMap { key -> Diagnostic? in
            guard let delay = delays[key]?.delay else { return nil }
            let smallest = delay.minNs > 0 ? delay.minNs : delay.maxNs
            guard smallest > 0, s.scaled(smallest) < 1000 else { return nil }
            let verb: String
            switch delay {
            case .fixed: verb = "becomes"
            case .uniform(let low, _): verb = low > 0 ? "can become" : "is at most"
            }
            return warn(at: "delays.\(key)",
                "delays.\(key) \(verb) \(s.scaledText(smallest)) after time_scale \(ScenarioYAML.number(s.timeScale)): shorter than 1us, which no sleep honours; raise the delay or time_scale, or write 0")
        }
    }
}
