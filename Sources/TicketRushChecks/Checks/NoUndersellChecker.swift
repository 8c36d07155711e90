import TicketRushModel
/// no-undersell: when demand >= tickets, the final count is 0.
public struct NoUndersellChecker: Checker {
    public let invariant = Invariant.noUndersell
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let demand = h.buyerCount * h.wants
        guard demand >= h.tickets else {
            return holds("demand \(demand) < \(plural(h.tickets, "ticket")): nothing to sell out")
        }
        guard let final = h.finalCount else {
            return unknown("the final document could not be read (\(describe(h.finalRead)))")
        }
        if final == 0 { return holds("sold out: demand \(demand) for \(plural(h.tickets, "ticket"))") }
        let errors = h.events.filter { $0.kind == .error }
        var details = ["demand \(demand) >= \(plural(h.tickets, "ticket")), final count \(final)"]
        if let e = errors.first {
            details.append("first failed task: \(h.name(e.buyer)) (\(e.reason?.name ?? "error")) at \(h.millis(e))")
        }
        return violated("\(plural(final, "ticket")) left unsold though demand was \(demand)", details, severity: final)
    }
}
