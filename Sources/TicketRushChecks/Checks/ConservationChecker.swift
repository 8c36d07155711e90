import TicketRushModel

/// conservation: tickets - final stored count = purchases reported; a gap is a lost update.
public struct ConservationChecker: Checker {
    public let invariant = Invariant.conservation
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard let final = h.finalCount else { return result(.unknown, .finalUnreadable(h.finalRead), h) }
        let bought = h.operations.filter { $0.completion == .ok }.count
        let maybe = h.operations.filter { $0.completion == .info && $0.startedWrite }.count
        let removed = h.tickets - final
        func evidence(_ same: [Event] = []) -> Evidence {
            .conservation(tickets: h.tickets, finalCount: final, bought: bought, indeterminate: maybe, sameValue: same)
        }
        if removed == bought { return result(.holds, evidence(), h) }
        if maybe > 0, removed >= bought, removed <= bought + maybe { return result(.unknown, evidence(), h) }
        var same: [Event] = []
        if removed < bought {
            // Two writes of the same value: the clearest picture of a lost update.
            var seen: [Int64: Event] = [:]
            for w in h.events where w.kind == .purchaseWrite {
                if let first = seen[w.value] { same = [first, w]; break }
                seen[w.value] = w
            }
        }
        return result(.violated, evidence(same.map(h.relative)), blamed: same.map(\.ref), h)
    }
}
