import TicketRushModel

/// no-undersell: when demand >= tickets, the final count is 0.
public struct NoUndersellChecker: Checker {
    public let invariant = Invariant.noUndersell
    /// Demand is the scenario's; the final count is what the runner reads afterwards.
    public var ignoresEvents: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let demand = h.buyerCount * h.wants
        guard demand >= h.tickets else {
            return result(.holds, .undersell(demand: demand, tickets: h.tickets, finalCount: h.finalCount ?? 0, firstError: nil), h)
        }
        guard let final = h.finalCount else { return result(.unknown, .finalUnreadable(h.finalRead), h) }
        let firstError = h.events.first { $0.kind == .error }
        let evidence = Evidence.undersell(demand: demand, tickets: h.tickets, finalCount: final, firstError: firstError.map(h.relative))
        if final == 0 { return result(.holds, evidence, h) }
        let errors = Array(h.events.lazy.filter { $0.kind == .error }.prefix(Evidence.kept).map(\.ref))
        return result(.violated, evidence, blamed: errors, h)
    }
}
