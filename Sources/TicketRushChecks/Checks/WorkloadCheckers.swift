import TicketRushModel

// The workloads' domain invariants (docs/workloads.md). Each judges the purchases the
// buyers reported (`bought`: value = the seat, or the customer) and the workload's state
// the runner read after the trial; both only grow with more events, so a violation seen
// in part of a history stands.

/// no-double-booking: no seat was sold to two buyers.
public struct NoDoubleBookingChecker: Checker {
    public let invariant = Invariant.noDoubleBooking
    public var violationSurvivesGaps: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard case .seats(let seats, _)? = h.workload else { return result(.unknown, .notApplicable("no seats workload"), h) }
        var first: [Int64: Event] = [:]
        for e in h.purchases {
            guard let earlier = first[e.value] else { first[e.value] = e; continue }
            if earlier.buyer == e.buyer { continue }
            let owner = h.workloadState.flatMap { Int(e.value) < $0.values.count ? $0.values[Int(e.value)] : nil }
            return result(.violated, .doubleBooking(seat: Int(e.value), seats: seats, buyers: [h.relative(earlier), h.relative(e)], owner: owner.map { $0 - 1 }),
                          blamed: [earlier.ref, e.ref], h)
        }
        return result(.holds, .doubleBooking(seat: -1, seats: seats, buyers: [], owner: nil), h)
    }
}

/// customer-limit: no customer holds more than the limit, over all sections.
public struct CustomerLimitChecker: Checker {
    public let invariant = Invariant.customerLimit
    public var violationSurvivesGaps: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard case .limit(let sections, let limit, let customers)? = h.workload else {
            return result(.unknown, .notApplicable("no limit workload"), h)
        }
        var reported = [[Event]](repeating: [], count: customers)
        for e in h.purchases where e.value >= 0 && Int(e.value) < customers { reported[Int(e.value)].append(e) }
        var stored = [Int](repeating: 0, count: customers)
        if let values = h.workloadState?.values, values.count == sections * customers {
            for c in 0..<customers { stored[c] = values[(c * sections)..<((c + 1) * sections)].reduce(0, +) }
        }
        for c in 0..<customers where max(stored[c], reported[c].count) > limit {
            let bought = reported[c].prefix(Evidence.kept).map(h.relative)
            return result(.violated, .customerLimit(customer: c, limit: limit, held: stored[c], bought: Array(bought)),
                          blamed: bought.map(\.ref), h)
        }
        guard h.workloadState != nil else { return result(.unknown, .finalUnreadable(h.finalRead), h) }
        let most = (0..<customers).max { stored[$0] < stored[$1] } ?? 0
        return result(.holds, .customerLimit(customer: most, limit: limit, held: stored[most], bought: []), h)
    }
}

/// capacity: no more bookings than the capacity.
public struct CapacityChecker: Checker {
    public let invariant = Invariant.capacity
    public var violationSurvivesGaps: Bool { true }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard case .rows(let capacity)? = h.workload else { return result(.unknown, .notApplicable("no rows workload"), h) }
        let bought = h.purchases
        let rows = h.workloadState?.rows.count ?? 0
        let evidence = Evidence.capacity(capacity: capacity, rows: rows, bought: bought.prefix(Evidence.kept).map(h.relative))
        if max(rows, bought.count) > capacity { return result(.violated, evidence, blamed: bought.prefix(Evidence.kept).map(\.ref), h) }
        guard h.workloadState != nil else { return result(.unknown, .finalUnreadable(h.finalRead), h) }
        return result(.holds, evidence, h)
    }
}

extension EvidenceText {
    /// The workloads' evidence in words.
    static func workload(_ evidence: Evidence, verdict: Verdict, name: (Int) -> String) -> (String, [String])? {
        func at(_ e: Event) -> String { formatMillis(e.tNs) }
        switch evidence {
        case .doubleBooking(let seat, let seats, let buyers, let owner):
            guard buyers.count == 2 else { return ("no seat of \(seats) sold twice", []) }
            let stored = owner.map { $0 < 0 ? "the store holds it free" : "the store holds it for \(name($0))" } ?? "the store was not read"
            return ("seat \(seat + 1) sold twice: to \(name(buyers[0].buyer)) and \(name(buyers[1].buyer))",
                    ["\(name(buyers[0].buyer)) bought seat \(seat + 1) at \(at(buyers[0])), \(name(buyers[1].buyer)) at \(at(buyers[1])); \(stored)"])
        case .customerLimit(let customer, let limit, let held, let bought):
            if verdict == .holds { return ("every customer within the limit of \(limit) (most held: \(held))", []) }
            let purchases = bought.map { "\(name($0.buyer)) at \(at($0))" }
            return ("customer \(customer + 1) holds \(max(held, bought.count)) tickets, over the limit of \(limit)",
                    ["the store holds \(held) for customer \(customer + 1) over all sections; purchases reported: " + listed(purchases, limit: 10)])
        case .capacity(let capacity, let rows, let bought):
            if verdict == .holds { return ("\(plural(rows, "booking")) for a capacity of \(capacity)", []) }
            return ("\(plural(max(rows, bought.count), "booking")) for a capacity of \(capacity): over by \(max(rows, bought.count) - capacity)",
                    ["the store holds \(plural(rows, "row")); purchases reported: " + listed(bought.map { "\(name($0.buyer)) at \(at($0))" }, limit: 10)])
        default: return nil
        }
    }
}
