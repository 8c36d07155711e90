import TicketRushModel
import TicketRushChecks
import TicketRushEngines

extension SessionEngine {
    /// The verdict on one observed run: serializable when some serial order of its committed
    /// transactions, run on the same server from the same setup, explains it.
    package func judge(_ c: SessionCase, _ observed: SessionRun) throws(SessionFailure) -> SessionEvidence {
        let committed = SerialOracle.committed(c, observed)
        let steps = observed.finished.map { line(c, $0) }
        let names = committed.map { SerialOracle.label($0, in: c) }
        if let stuck = observed.stuck {
            return SessionEvidence(steps: steps, committed: names, explainedBy: nil, how: nil, mismatches: [], stuck: stuck)
        }
        var mismatches: [String] = []
        for order in SerialOracle.serialOrders(committed) {
            let serial = try run(c, order: SerialOracle.steps(order), partial: true)
            let text = order.map { SerialOracle.label($0, in: c) }.joined(separator: " → ")
            guard let why = SerialOracle.mismatch(serial: serial, observed: observed, order: order, label: c.label) else {
                return SessionEvidence(steps: steps, committed: names, explainedBy: text.isEmpty ? "(nothing committed)" : text,
                                       how: how(observed).rawValue, mismatches: mismatches, stuck: nil)
            }
            mismatches.append("\(text): \(why)")
        }
        return SessionEvidence(steps: steps, committed: names, explainedBy: nil, how: nil, mismatches: mismatches, stuck: nil)
    }

    /// `T1.2 UPDATE test SET value = 11 WHERE id = 1 → ok (was blocked)`.
    func line(_ c: SessionCase, _ o: StepOutcome) -> String {
        let result = o.error.map { errorText(state: $0.state, message: $0.message) } ?? (o.rows.isEmpty ? "ok" : SerialOracle.rowsText(o.rows))
        return "\(c.label(o.step)) \(c.statement(o.step)) → \(result)\(o.blocked ? " (was blocked)" : "")"
    }

    /// How a run was kept serializable, the engine naming its refusals.
    func how(_ run: SessionRun) -> SerialOracle.How {
        SerialOracle.how(run) { state in refusal(state).flatMap { SerialOracle.How(rawValue: $0.rawValue) } }
    }
}
