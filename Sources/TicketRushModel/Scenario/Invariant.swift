/// The invariants a trial is judged on: the one registry the loader, reports and docs read.
public enum Invariant: String, Sendable, Codable, CaseIterable, Comparable {
    case noOversell = "no-oversell"
    case conservation
    case oneOutcome = "one-outcome"
    case noTornRead = "no-torn-read"
    case allFinished = "all-finished"
    case noUndersell = "no-undersell"
    case noDeadlock = "no-deadlock"
    case noDoubleBooking = "no-double-booking"
    case customerLimit = "customer-limit"
    case capacity
    /// Session cases (docs/isolation.md): every run is explained by a serial order.
    case serializable
    /// Session cases with `anomaly_if`: no run shows the case's own observable effect.
    case noAnomaly = "no-anomaly"

    /// One line on what the invariant means.
    public var summary: String {
        switch self {
        case .noOversell: return "purchases reported <= tickets"
        case .conservation: return "tickets - final stored count = purchases reported (no lost update)"
        case .oneOutcome: return "every task of every buyer ends with exactly one of bought / sold-out / error"
        case .noTornRead: return "no buyer read a document it could not parse"
        case .allFinished: return "every buyer exited 0 on its own before the timeout"
        case .noUndersell: return "when demand >= tickets, the final count is 0"
        case .noDeadlock: return "the trial finished before its timeout; if not, names the blocked buyers and the (dead) holder"
        case .noDoubleBooking: return "seats workload: no seat was sold to two buyers"
        case .customerLimit: return "limit workload: no customer holds more than the limit over all sections"
        case .capacity: return "rows workload: no more bookings than the capacity"
        case .serializable: return "session cases: some serial order of the committed transactions returns the same rows at every step and leaves the same tables"
        case .noAnomaly: return "session cases with anomaly_if: no run shows the case's observable effect (a step returning the row that only the anomaly gives)"
        }
    }

    /// The workloads' domain invariants: judged only with a `workload:` (docs/workloads.md).
    public var isWorkloadDomain: Bool { [.noDoubleBooking, .customerLimit, .capacity].contains(self) }

    /// Judged by default on buyer scenarios of the counter: all but the workloads' and the session cases' own.
    public static let buyerDefaults: [Invariant] = allCases.filter { !sessionOnly.contains($0) && !$0.isWorkloadDomain }
    /// The invariants of session cases alone.
    public static let sessionOnly: Set<Invariant> = [.serializable, .noAnomaly]

    public static func < (lhs: Invariant, rhs: Invariant) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Keys of `expect` encode as the invariant's name, so records read as JSON objects.
extension Invariant: CodingKeyRepresentable {}
