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
    // Isolation models (docs/anomalies.md): each judges every anomaly it forbids.
    case serializable
    case snapshotIsolation = "snapshot-isolation"
    case repeatableRead = "repeatable-read"
    case readCommitted = "read-committed"
    // Anomalies (Adya), judged one by one under a model that forbids them.
    case g0
    case g1a
    case g1b
    case g1c
    case lostUpdate = "lost-update"
    case gSingle = "g-single"
    case g2Item = "g2-item"
    case g2
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
        case .serializable:
            return "buyers: no anomaly serializability forbids (\(model!.forbids.map(\.rawValue).joined(separator: ", "))), each also judged by name; session cases: some serial order of the committed transactions returns the same rows and tables"
        case .snapshotIsolation, .repeatableRead, .readCommitted:
            return "no anomaly this model forbids (\(model!.forbids.map(\.rawValue).joined(separator: ", "))); also judges each of them by name"
        case .g0, .g1a, .g1b, .g1c, .lostUpdate, .gSingle, .g2Item, .g2: return anomaly!.summary
        case .noAnomaly: return "session cases with anomaly_if: no run shows the case's observable effect (a step returning the row that only the anomaly gives)"
        }
    }

    /// The workloads' domain invariants: judged only with a `workload:` (docs/workloads.md).
    public var isWorkloadDomain: Bool { [.noDoubleBooking, .customerLimit, .capacity].contains(self) }

    /// Judged by default on buyer scenarios of the counter: all but the workloads' and the session cases' own.
    public static let buyerDefaults: [Invariant] = allCases.filter { !sessionOnly.contains($0) && !$0.isWorkloadDomain && !$0.isTransactional }
    /// The invariants a session case judges (`serializable` also judges buyers' transactional histories).
    public static let sessionOnly: Set<Invariant> = [.serializable, .noAnomaly]

    public static func < (lhs: Invariant, rhs: Invariant) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Keys of `expect` encode as the invariant's name, so records read as JSON objects.
extension Invariant: CodingKeyRepresentable {}

extension Invariant {
    /// The isolation model this invariant is, if it is one.
    public var model: IsolationModel? { IsolationModel(rawValue: rawValue) }
    /// The anomaly this invariant is, if it is one.
    public var anomaly: Anomaly? { Anomaly(rawValue: rawValue) }
    /// Judged on the transactional history (key.read … txn.abort), not on the purchase story.
    public var isTransactional: Bool { model != nil || anomaly != nil }

    /// What `invariants:` judges: the list as written plus every anomaly a listed model
    /// forbids, each reported by name.
    public static func judged(_ listed: [Invariant]) -> [Invariant] {
        var out = Set(listed)
        for m in listed.compactMap(\.model) { for a in m.forbids { out.insert(a.invariant) } }
        return out.sorted()
    }
}
