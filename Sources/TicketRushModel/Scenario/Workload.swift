/// `workload:`: what the buyers buy when it is more than one counter (docs/workloads.md).
/// Key numbering is the one the transactional events use (docs/events.md): the counter is
/// key 0, seat i is key i + 1, (customer c, section s) is key 1 + c * sections + s, and the
/// rows' collection is key 1.
public enum Workload: Sendable, Codable, Equatable {
    /// Each buyer books `wants` seats of `seats`, chosen by the trial seed.
    case seats(seats: Int, wants: Int)
    /// Each buyer buys for one of `customers` in one of `sections`; a customer may hold at
    /// most `limit` tickets over all sections.
    case limit(sections: Int, limit: Int, customers: Int)
    /// A purchase counts the booking rows and inserts one if fewer than `capacity`.
    case rows(capacity: Int)

    /// Most keys a workload may use: a key is 16 bits on the wire, and key 0 is the counter.
    public static let maxKeys = 65_535

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case seats, limit, rows
    }

    public var kind: Kind {
        switch self {
        case .seats: return .seats
        case .limit: return .limit
        case .rows: return .rows
        }
    }

    /// Keys (rows of a table, entries of the document) the store holds; rows: one collection.
    public var keyCount: Int {
        switch self {
        case .seats(let seats, _): return seats
        case .limit(let sections, _, let customers): return sections * customers
        case .rows: return 1
        }
    }

    /// What stands for `tickets` when the scenario omits it: the seats, every customer's
    /// limit, the capacity.
    public var tickets: Int {
        switch self {
        case .seats(let seats, _): return seats
        case .limit(_, let limit, let customers): return limit * customers
        case .rows(let capacity): return capacity
        }
    }

    /// The domain invariant the workload exists to test.
    public var invariant: Invariant {
        switch self {
        case .seats: return .noDoubleBooking
        case .limit: return .customerLimit
        case .rows: return .capacity
        }
    }

    /// Tasks each buyer runs: seats books `wants` seats; the others one purchase per ticket wanted.
    public func tasks(wants: Int) -> Int {
        if case .seats(_, let k) = self { return k }
        return wants
    }

    /// Transactional read events of one attempt at most: a seat; every section; every row
    /// (as many as all tasks can insert).
    public func readsPerAttempt(buyers: Int, wants: Int) -> Int {
        switch self {
        case .seats: return 1
        case .limit(let sections, _, _): return sections
        case .rows: return 1 + buyers * wants
        }
    }

    /// The seat `buyer` tries in `task`: drawn from the trial seed, distinct within a buyer
    /// (a walk from a drawn start by a drawn stride coprime to the seat count is a
    /// permutation), so buyers of one trial collide on seats and another seed moves them.
    public func seat(seed: UInt64, buyer: Int, task: Int) -> Int {
        guard case .seats(let seats, _) = self, seats > 0 else { return 0 }
        let start = Int(Workload.mix(seed, UInt64(buyer), 1) % UInt64(seats))
        var stride = 1 + Int(Workload.mix(seed, UInt64(buyer), 2) % UInt64(max(seats - 1, 1)))
        while Workload.gcd(stride, seats) != 1 { stride -= 1 }
        return (start + task * stride) % seats
    }

    /// limit: the customer `buyer` buys for, drawn from the trial seed.
    public func customer(seed: UInt64, buyer: Int) -> Int {
        guard case .limit(_, _, let customers) = self else { return 0 }
        return Int(Workload.mix(seed, UInt64(buyer), 3) % UInt64(customers))
    }

    /// limit: the section `buyer` buys in: consecutive buyers take consecutive sections from
    /// a drawn start, so one customer's buyers land in different sections (the write skew).
    public func section(seed: UInt64, buyer: Int) -> Int {
        guard case .limit(let sections, _, _) = self else { return 0 }
        return Int((Workload.mix(seed, 0, 4) + UInt64(buyer)) % UInt64(sections))
    }

    /// limit: the key of (customer, section).
    public func key(customer: Int, section: Int) -> Int {
        guard case .limit(let sections, _, _) = self else { return 1 }
        return 1 + customer * sections + section
    }

    /// The version tag the `n`th write (1-based) of `buyer` installs (docs/events.md).
    public static func tag(buyer: Int, n: Int) -> Int { (buyer + 1) * 1024 + min(n, 1023) }

    /// splitmix64 of the three words: the workload's own draws, apart from the delays'.
    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1) &+ 0xBF58_476D_1CE4_E5B9 &* (c &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// The workload's state as the runner reads it after the trial (values by key, and rows).
public struct WorkloadState: Sendable, Codable, Equatable {
    /// seats: the owner of each seat (buyer index + 1; 0 free); limit: each key's count,
    /// index = key - 1. Empty for rows.
    public var values: [Int]
    /// rows: the buyer index + 1 of each booking row, in insertion order.
    public var rows: [Int]

    public init(values: [Int] = [], rows: [Int] = []) {
        self.values = values
        self.rows = rows
    }

    /// Units the store holds sold: seats taken, counts summed, rows.
    public func sold(_ workload: Workload) -> Int {
        switch workload {
        case .seats: return values.filter { $0 != 0 }.count
        case .limit: return values.reduce(0, +)
        case .rows: return rows.count
        }
    }
}
