import TicketRushModel

/// no-oversell: purchases reported <= tickets.
public struct NoOversellChecker: Checker {
    public let invariant = Invariant.noOversell
    /// Missing events can only hide purchases: an oversell seen in part is an oversell.
    public var violationSurvivesGaps: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let bought = h.operations.filter { $0.completion == .ok }
        let maybe = h.operations.filter { $0.completion == .info && $0.startedWrite }.count
        let evidence = Evidence.sales(tickets: h.tickets, sold: bought.count,
                                      bought: bought.prefix(Evidence.kept).compactMap { $0.outcome.map(h.relative) }, indeterminate: maybe)
        if bought.count > h.tickets { return result(.violated, evidence, blamed: bought.prefix(Evidence.kept).map(\.ref), h) }
        if bought.count + maybe > h.tickets { return result(.unknown, evidence, h) }
        return result(.holds, evidence, h)
    }
}
