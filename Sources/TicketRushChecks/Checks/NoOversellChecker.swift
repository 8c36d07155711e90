import TicketRushModel
/// no-oversell: purchases reported <= tickets.
public struct NoOversellChecker: Checker {
    public let invariant = Invariant.noOversell
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let ops = h.operations
        let bought = ops.filter { $0.completion == .ok }
        let maybe = ops.filter { $0.completion == .info && $0.startedWrite }.count
        if bought.count > h.tickets {
            let buyers = bought.map { "\(h.name($0.buyer)) at \(h.millis($0.outcome!))" }
            return violated(
                "\(bought.count) purchases reported for \(plural(h.tickets, "ticket")): oversold by \(bought.count - h.tickets)",
                ["bought: " + listed(buyers, limit: 10)], severity: bought.count - h.tickets)
        }
        if bought.count + maybe > h.tickets {
            return unknown("\(bought.count) purchases reported and \(maybe) indeterminate (buyer died while writing) for \(plural(h.tickets, "ticket"))")
        }
        return holds("\(bought.count) purchases for \(plural(h.tickets, "ticket"))")
    }
}
