import TicketRushModel

/// Anomalies in words: "lost-update: T2 (buyer-2, task 1) → T1 (rw: T2 read count v0, T1
/// installed v1025) → T2 (ww: T1 installed v1025, T2 installed v2049)".
public enum AnomalyText {
    public static func render(found: [AnomalyFinding], gaps: [String], verdict: Verdict, name: (Int) -> String) -> (String, [String]) {
        guard let first = found.first else {
            if gaps.isEmpty { return ("no anomaly in the transactional history", []) }
            return ("unknown: \(gaps[0])", Array(gaps.dropFirst()))
        }
        let names = found.map(\.anomaly.rawValue)
        return ("\(names.joined(separator: ", ")): \(cycle(first, name: name))", found.dropFirst().map { "\($0.anomaly.rawValue): \(cycle($0, name: name))" })
    }

    /// A transaction: "T3 (buyer-2, task 1)", with the attempt when it was a retry.
    public static func label(_ t: TxnLabel, name: (Int) -> String) -> String {
        let attempt = t.attempt > 0 ? ", attempt \(t.attempt + 1)" : ""
        let status = t.status == .committed ? "" : ", \(t.status.rawValue)"
        return "T\(t.id) (\(name(t.buyer)), task \(t.task + 1)\(attempt)\(status))"
    }

    /// The cycle (or the one read of G1a/G1b) in words.
    public static func cycle(_ f: AnomalyFinding, name: (Int) -> String) -> String {
        let labels = Dictionary(f.txns.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func short(_ id: Int) -> String { labels[id].map { label($0, name: name) } ?? "T\(id)" }
        guard let start = f.steps.first else { return "" }
        if f.anomaly == .g1a || f.anomaly == .g1b {
            let how = f.anomaly == .g1a ? "which aborted" : "which overwrote it later in the same transaction"
            return "\(short(start.to)) read \(keyName(start.key)) \(version(start.fromVersion)) installed by \(short(start.from)), \(how)"
        }
        var out = short(start.from)
        for d in f.steps { out += " → T\(d.to) (\(step(d)))" }
        return out
    }

    /// One dependency in words.
    public static func step(_ d: Dependency) -> String {
        let (a, b) = ("T\(d.from)", "T\(d.to)")
        switch d.kind {
        case .ww: return "ww: \(a) installed \(keyName(d.key)) \(version(d.fromVersion)), \(b) the next, \(version(d.toVersion))"
        case .wr: return "wr: \(b) read \(keyName(d.key)) \(version(d.fromVersion)) that \(a) installed"
        case .rw:
            let lost = d.lostUpdate ? ", both having read and written it" : ""
            return "rw: \(a) read \(keyName(d.key)) \(version(d.fromVersion)), \(b) installed the next, \(version(d.toVersion))\(lost)"
        case .predicateRW: return "predicate rw: \(a)'s read of collection \(d.key) did not see row \(version(d.toVersion)) that \(b) inserted"
        }
    }

    /// Key 0 is the counter; others are the workload's (docs/events.md).
    public static func keyName(_ key: UInt16) -> String { key == 0 ? "count" : "key \(key)" }

    public static func version(_ tag: Int32) -> String { tag == 0 ? "v0 (initial)" : "v\(tag)" }
}
