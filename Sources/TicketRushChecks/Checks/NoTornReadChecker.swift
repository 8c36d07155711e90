import TicketRushModel
/// no-torn-read: no buyer read a document it could not parse.
public struct NoTornReadChecker: Checker {
    public let invariant = Invariant.noTornRead
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        let torn = h.tornReads
        guard let first = torn.first else { return holds("every read parsed") }
        let phase = first.kind == .searchTorn ? "searching" : "purchasing"
        let writer = h.events.last { $0.kind == .purchaseWrite && $0.tNs <= first.tNs }
        var details = ["first: \(h.name(first.buyer)) read \(plural(Int(first.value), "byte")) while \(phase), at \(h.millis(first))"]
        if let writer {
            details.append("last write begun before it: \(h.name(writer.buyer)) writing count \(writer.value) at \(h.millis(writer))")
        }
        let readers = Set(torn.map(\.buyer)).count
        return violated("\(plural(torn.count, "torn read")) by \(plural(readers, "buyer"))", details, severity: torn.count)
    }
}
