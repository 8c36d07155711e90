import TicketRushModel

/// no-torn-read: no buyer read a document it could not parse.
public struct NoTornReadChecker: Checker {
    public let invariant = Invariant.noTornRead
    /// A torn read seen is a torn read, whatever else is missing.
    public var violationSurvivesGaps: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        if !h.readsCanTear {
            return result(.unknown, .notApplicable("a database engine never hands a reader a half-written value (\(h.storage) reads are whole rows or keys)"), h)
        }
        let torn = h.tornReads
        guard let first = torn.first else { return result(.holds, .tornReads(first: [], total: 0, readers: 0, lastWriteBefore: nil), h) }
        let writer = h.events.last { $0.kind == .purchaseWrite && $0.tNs <= first.tNs }
        let evidence = Evidence.tornReads(first: torn.prefix(10).map(h.relative), total: torn.count,
                                          readers: Set(torn.map(\.buyer)).count, lastWriteBefore: writer.map(h.relative))
        return result(.violated, evidence, blamed: torn.prefix(Evidence.kept).map(\.ref), h)
    }
}
