/// The anomalies of Adya's isolation levels that ticketrush names (docs/anomalies.md), in
/// the order a report names them: the first found is the headline.
public enum Anomaly: String, Sendable, Codable, CaseIterable, Comparable {
    /// Dirty write: a cycle of write-write dependencies only.
    case g0
    /// Aborted read: a committed transaction read a version an aborted one installed.
    case g1a
    /// Intermediate read: a committed transaction read a version that was not its writer's last.
    case g1b
    /// Circular information flow: a cycle of write-write and write-read dependencies.
    case g1c
    /// Lost update (P4): two transactions read the same version of a key and both wrote it.
    case lostUpdate = "lost-update"
    /// Read skew: a cycle with exactly one item anti-dependency (rw), not a lost update.
    case gSingle = "g-single"
    /// Write skew: a cycle with two or more item anti-dependencies.
    case g2Item = "g2-item"
    /// Phantom: a cycle through a predicate anti-dependency (a row a count did not see).
    case g2

    public var summary: String {
        switch self {
        case .g0: return "dirty write: no cycle of write-write dependencies"
        case .g1a: return "aborted read: no committed transaction read a version an aborted one wrote"
        case .g1b: return "intermediate read: no committed transaction read a version its writer later overwrote"
        case .g1c: return "circular information flow: no cycle of write-write and write-read dependencies"
        case .lostUpdate: return "lost update (P4): no two transactions read the same version of a key and both wrote it"
        case .gSingle: return "read skew (G-single): no cycle with exactly one anti-dependency"
        case .g2Item: return "write skew (G2-item): no cycle with two or more item anti-dependencies"
        case .g2: return "phantom (G2): no cycle through a predicate anti-dependency"
        }
    }

    /// The invariant that judges this anomaly alone.
    public var invariant: Invariant { Invariant(rawValue: rawValue)! }

    public static func < (a: Anomaly, b: Anomaly) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// An isolation model as `invariants:` names it, and the one table (like Elle's) of which
/// anomalies it forbids.
public enum IsolationModel: String, Sendable, Codable, CaseIterable {
    case serializable
    case snapshotIsolation = "snapshot-isolation"
    /// Adya's PL-2.99: item anomalies forbidden, predicate ones (phantoms) allowed.
    case repeatableRead = "repeatable-read"
    case readCommitted = "read-committed"

    public var forbids: [Anomaly] {
        switch self {
        case .serializable: return Anomaly.allCases
        case .snapshotIsolation: return [.g0, .g1a, .g1b, .g1c, .lostUpdate, .gSingle]
        case .repeatableRead: return [.g0, .g1a, .g1b, .g1c, .lostUpdate, .gSingle, .g2Item]
        case .readCommitted: return [.g0, .g1a, .g1b, .g1c]
        }
    }
}
