import TicketRushModel
import TicketRushChecks

/// A trial's transactional history in the JSON elle-cli reads (docs/events.md, "Export for
/// Elle"): one invoke and one completion per transaction, `f` "txn", micro-operations
/// `["r", key, tag]` / `["w", key, tag]` with version tags as values, so every write is
/// unique (the initial version, tag 0, is Elle's nil).
package enum ElleExport {
    package static func json(_ h: TrialHistory) -> String {
        json(TxnHistory(h), startNs: h.startNs)
    }

    package static func json(_ history: TxnHistory, startNs: UInt64) -> String {
        // (time, order, op): invocations at the first event, completions at the last.
        var ops: [(UInt64, Int, String, Txn)] = []
        for (n, t) in history.txns.enumerated() {
            ops.append((t.firstNs, 2 * n, "invoke", t))
            let type = t.status == .committed ? "ok" : t.status == .aborted ? "fail" : "info"
            ops.append((t.endNs, 2 * n + 1, type, t))
        }
        ops.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var lines: [String] = []
        for (index, (time, _, type, t)) in ops.enumerated() {
            let value = micro(t, known: type == "ok")
            let rel = time >= startNs ? time - startNs : 0
            lines.append("{\"type\": \"\(type)\", \"f\": \"txn\", \"value\": [\(value)], \"process\": \(t.buyer), \"index\": \(index), \"time\": \(rel)}")
        }
        return lines.isEmpty ? "[]\n" : "[\n" + lines.joined(separator: ",\n") + "\n]\n"
    }

    /// The micro-operations in the order the transaction made them; reads are nil until
    /// the completion knows them (Jepsen's convention for invocations and failures).
    private static func micro(_ t: Txn, known: Bool) -> String {
        let all = (t.reads.map { ("r", $0) } + t.writes.map { ("w", $0) }).sorted { $0.1.seq < $1.1.seq }
        return all.map { f, a in
            let v = f == "w" ? "\(a.version)" : known && a.version != 0 ? "\(a.version)" : "null"
            return "[\"\(f)\", \(a.key), \(v)]"
        }.joined(separator: ", ")
    }
}
