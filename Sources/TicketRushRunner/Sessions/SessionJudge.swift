import TicketRushModel
import TicketRushChecks
import TicketRushEngines

extension PostgresSessions {
    /// The verdict on one observed run: serializable when some serial order of its committed
    /// transactions, run on the same server from the same setup, explains it.
    package struct Judgement {
        package var outcome: SerialOracle.Outcome
        package var how: SerialOracle.How?
        /// The serial order that explains the run (labels of its first steps), when one does.
        package var explainedBy: [SerialOracle.Transaction]?
        package var serialRuns: Int
    }

    package func judge(_ c: SessionCase, _ observed: SessionRun) throws(Failure) -> Judgement {
        let orders = SerialOracle.serialOrders(SerialOracle.committed(c, observed))
        for order in orders {
            let serial = try run(c, order: SerialOracle.steps(order), partial: true)
            if SerialOracle.explains(serial: serial, observed: observed, order: order) {
                return Judgement(outcome: .prevented, how: SerialOracle.how(observed), explainedBy: order, serialRuns: orders.count)
            }
        }
        return Judgement(outcome: .anomaly, how: nil, explainedBy: nil, serialRuns: orders.count)
    }
}
