import TicketRushModel
/// conservation: tickets - final stored count = purchases reported; a gap is a lost update.
public struct ConservationChecker: Checker {
    public let invariant = Invariant.conservation
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard let final = h.finalCount else {
            return unknown("the final document could not be read (\(describe(h.finalRead)))")
        }
        let ops = h.operations
        let bought = ops.filter { $0.completion == .ok }.count
        let maybe = ops.filter { $0.completion == .info && $0.startedWrite }.count
        let removed = h.tickets - final
        if removed == bought {
            return holds("\(plural(bought, "purchase")), final count \(final) of \(h.tickets)")
        }
        if maybe > 0, removed >= bought, removed <= bought + maybe {
            return unknown("final count \(final): \(bought) purchases plus up to \(maybe) indeterminate writes")
        }
        let writes = h.events.filter { $0.kind == .purchaseWrite }
        var details = ["final count \(final); tickets \(h.tickets) - \(final) = \(removed) removed, \(bought) purchases reported"]
        if removed < bought {
            // Find two writes of the same value: the clearest picture of a lost update.
            var seen: [Int64: Event] = [:]
            for w in writes {
                if let first = seen[w.value] {
                    details.append("\(h.name(first.buyer)) and \(h.name(w.buyer)) both wrote count \(w.value) (at \(h.millis(first)) and \(h.millis(w)))")
                    break
                }
                seen[w.value] = w
            }
            return violated("\(plural(bought - removed, "update")) lost: \(bought) purchases reported but only \(plural(removed, "ticket")) gone", details, severity: bought - removed)
        }
        return violated("\(removed) tickets gone but only \(plural(bought, "purchase")) reported", details, severity: removed - bought)
    }
}

/// A short description of a read, for messages.
package func describe(_ read: StoreRead) -> String {
    switch read {
    case .count(let count): return "count \(count)"
    case .torn(let bytes): return "\(bytes) bytes that do not parse"
    case .failed(let code): return SystemError(call: "read", code: code).description
    }
}
