import TicketRushModel

/// Which names `expect` may use, given `invariants`: a listed invariant, or an anomaly a
/// listed isolation model forbids (docs/anomalies.md has the table).
enum JudgedInvariants {
    /// Why `expect.KEY` (written at `label`) names nothing judged; nil when it is judged.
    /// A session case judges what it lists and nothing by name (its runs have no versions).
    static func problem(_ key: String, label: String, listed: Set<String>, sessions: Bool = false) -> String? {
        if listed.contains(key) { return nil }
        if sessions { return "'\(label)' names an invariant that 'invariants' leaves out" }
        let models = listed.compactMap(IsolationModel.init(rawValue:)).sorted { $0.forbids.count > $1.forbids.count }
        guard let anomaly = Anomaly(rawValue: key), !models.isEmpty else {
            return "'\(label)' names an invariant that 'invariants' leaves out"
        }
        if models.contains(where: { $0.forbids.contains(anomaly) }) { return nil }
        let named = models.map(\.rawValue).joined(separator: ", ")
        let stronger = IsolationModel.allCases.filter { $0.forbids.contains(anomaly) }.map(\.rawValue).joined(separator: " or ")
        return "'\(label)' names \(key), an anomaly that \(named) allows: judge it under a model that forbids it (\(stronger))"
    }
}
