import TicketRushModel

/// Evidence as the words reports print: a one-line summary and the facts behind it.
public enum EvidenceText {
    public static func render(_ evidence: Evidence, verdict: Verdict, name: (Int) -> String) -> (String, [String]) {
        func at(_ e: Event) -> String { formatMillis(e.tNs) }
        switch evidence {
        case .sales(let tickets, let sold, let bought, let maybe):
            switch verdict {
            case .violated:
                let buyers = bought.map { "\(name($0.buyer)) at \(at($0))" }
                let more = sold > bought.count ? ", … (\(sold - bought.count) more)" : ""
                return ("\(sold) purchases reported for \(plural(tickets, "ticket")): oversold by \(sold - tickets)",
                        ["bought: " + listed(buyers, limit: 10) + (buyers.count > 10 ? "" : more)])
            case .unknown:
                return ("\(plural(sold, "purchase")) reported and \(maybe) indeterminate (buyer died while writing) for \(plural(tickets, "ticket"))", [])
            case .holds:
                return ("\(plural(sold, "purchase")) for \(plural(tickets, "ticket"))", [])
            }
        case .conservation(let tickets, let final, let bought, let maybe, let same):
            let removed = tickets - final
            switch verdict {
            case .holds: return ("\(plural(bought, "purchase")), final count \(final) of \(tickets)", [])
            case .unknown: return ("final count \(final): \(bought) purchases plus up to \(maybe) indeterminate writes", [])
            case .violated:
                var details = ["final count \(final); tickets \(tickets) - \(final) = \(removed) removed, \(bought) purchases reported"]
                if same.count == 2 {
                    details.append("\(name(same[0].buyer)) and \(name(same[1].buyer)) both wrote count \(same[1].value) (at \(at(same[0])) and \(at(same[1])))")
                }
                if removed < bought {
                    return ("\(plural(bought - removed, "update")) lost: \(bought) purchases reported but only \(plural(removed, "ticket")) gone", details)
                }
                return ("\(removed) tickets gone but only \(plural(bought, "purchase")) reported", details)
            }
        case .notApplicable(let why):
            return ("not applicable: \(why)", [])
        case .caseEffect, .serialization:
            return sessionText(evidence)
        case .anomalies(let found, let gaps):
            return AnomalyText.render(found: found, gaps: gaps, verdict: verdict, name: name)
        case .finalUnreadable(let read):
            return ("the final document could not be read (\(describe(read)))", [])
        case .tornReads(let first, let total, let readers, let writer):
            guard let e = first.first else { return ("every read parsed", []) }
            let phase = e.kind == .searchTorn ? "searching" : "purchasing"
            var details = ["first: \(name(e.buyer)) read \(plural(Int(e.value), "byte")) while \(phase), at \(at(e))"]
            if let writer {
                details.append("last write begun before it: \(name(writer.buyer)) writing count \(writer.value) at \(at(writer))")
            }
            return ("\(plural(total, "torn read")) by \(plural(readers, "buyer"))", details)
        case .outcomes(let tasks, let miscounted, let unfinished):
            let problems = miscounted.map { "\(name($0.task.buyer)) task \($0.task.task + 1): \($0.outcomes) outcomes" }
                + unfinished.map { "\(name($0.buyer)): \($0.withOutcome) of \($0.wants) tasks have an outcome" }
            if problems.isEmpty { return ("\(plural(tasks, "task")), one outcome each", []) }
            return ("\(plural(problems.count, "task")) without exactly one outcome", [listed(problems)])
        case .exits(let buyers, let unclean, let timedOut, let duration):
            let problems = unclean.map { "\(name($0.buyer)) \($0.exit.description)\($0.cause?.reasonText.map { " (\($0))" } ?? "")" }
            if timedOut {
                return ("timed out after \(formatMillis(duration)): \(plural(problems.count, "buyer")) did not finish", [listed(problems)])
            }
            if problems.isEmpty { return ("\(plural(buyers, "buyer")) exited 0", []) }
            // One cause for every buyer (a command that does not exist): the summary line says it.
            let causes = Set(unclean.map { $0.cause?.reasonText })
            let why = causes.count == 1 ? (causes.first ?? nil).map { " (\($0))" } ?? "" : ""
            return ("\(plural(problems.count, "buyer")) did not exit cleanly\(why)", [listed(problems)])
        case .undersell(let demand, let tickets, let final, let firstError):
            if demand < tickets { return ("demand \(demand) < \(plural(tickets, "ticket")): nothing to sell out", []) }
            if final == 0 { return ("sold out: demand \(demand) for \(plural(tickets, "ticket"))", []) }
            var details = ["demand \(demand) >= \(plural(tickets, "ticket")), final count \(final)"]
            if let e = firstError {
                details.append("first failed task: \(name(e.buyer)) (\(e.reasonText ?? "error")) at \(at(e))")
            }
            return ("\(plural(final, "ticket")) left unsold though demand was \(demand)", details)
        case .deadlock(let timedOut, let duration, let lock, let blocked, let holders, let unfinished, let waits):
            return deadlock(timedOut: timedOut, duration: duration, lock: lock, blocked: blocked, holders: holders,
                            unfinished: unfinished, waits: waits, name: name)
        case .incomplete(let gaps):
            return ("the history is incomplete, so this cannot be judged: " + gaps.map(\.reason).joined(separator: "; "), [])
        case .checkerFailed(let why):
            return ("checker failed: \(why)", [])
        case .doubleBooking, .customerLimit, .capacity:
            return workload(evidence, verdict: verdict, name: name) ?? ("", [])
        }
    }

    /// Why a trial did not finish: who waits on the lock, who holds it and in what state.
    private static func deadlock(timedOut: Bool, duration: UInt64, lock: String, blocked: [Event], holders: [Evidence.Holder],
                                 unfinished: [Evidence.BuyerStep], waits: String?, name: (Int) -> String) -> (String, [String]) {
        func at(_ e: Event) -> String { formatMillis(e.tNs) }
        guard timedOut || !blocked.isEmpty || !holders.isEmpty || !unfinished.isEmpty else {
            return ("finished in \(formatMillis(duration)), before the timeout", [])
        }
        var details: [String] = []
        var holderText: [String] = []
        for holder in holders {
            let who = name(holder.acquired.buyer)
            let state: String
            switch holder.state {
            case .killed(let ns): state = "killed by a fault at \(formatMillis(ns)) while holding it"
            case .stalled(let ns): state = "stalled by a fault at \(formatMillis(ns)), still stopped"
            case .died(let exit): state = "died (\(exit.description)) while holding it"
            case .running: state = timedOut ? "still running when the trial timed out" : "parked, unable to release it"
            }
            holderText.append("\(who) (\(state))")
            details.append("holder: \(who) took \(lock) at \(at(holder.acquired)) and never released it: \(state)")
        }
        // Not timed out yet judged: a controlled schedule found no enabled buyer.
        let timeout = timedOut ? "timed out after \(formatMillis(duration))" : "deadlock detected under control after \(formatMillis(duration)) (no buyer enabled)"
        if blocked.isEmpty {
            let steps = unfinished.map { "\(name($0.buyer)) after \($0.last?.name ?? "nothing")" }
            details.append("unfinished: " + listed(steps, limit: 10))
            // A lock the gate does not model (a futex in shared memory): the runner's own look.
            if let waits, !timedOut {
                return ("deadlock detected under control after \(formatMillis(duration)): \(waits); \(plural(unfinished.count, "buyer")) unfinished", details)
            }
            return ("\(timeout) with no buyer waiting for a lock: \(plural(unfinished.count, "buyer")) unfinished", details)
        }
        details.insert("blocked on \(lock): " + listed(blocked.map { "\(name($0.buyer)) since \(at($0))" }, limit: 10), at: 0)
        let heldBy = holderText.isEmpty
            ? "no holder in the log (the lock was never released by a buyer that did not report it)"
            : "held by " + holderText.joined(separator: ", ")
        return ("\(timeout): \(plural(blocked.count, "buyer")) blocked on \(lock), \(heldBy)", details)
    }
}

/// A short description of a read, for messages.
package func describe(_ read: StoreRead) -> String {
    switch read {
    case .count(let count): return "count \(count)"
    case .torn(let bytes): return "\(bytes) bytes that do not parse"
    case .failed(let code): return SystemError(call: "read", code: code).description
    }
}

extension EvidenceText {
    /// Session cases' evidence (docs/isolation.md): the steps, and the serial orders or the
    /// case's own effect that decided.
    static func sessionText(_ evidence: Evidence) -> (String, [String]) {
        switch evidence {
        case .caseEffect(let steps, let seen, let stuck):
            if let stuck { return ("the run could not finish: \(stuck)", steps) }
            guard let seen else { return ("no step returned the rows of the case's anomaly (anomaly_if)", []) }
            return ("the case's anomaly: \(seen)", steps)
        case .serialization(let e):
            if let stuck = e.stuck { return ("the run could not finish: \(stuck)", e.steps) }
            if let order = e.explainedBy {
                return ("explained by the serial order \(order)\(e.how.map { "; kept serializable by \($0)" } ?? "")", e.steps)
            }
            return ("no serial order of the committed transactions (\(e.committed.joined(separator: ", "))) returns what this run returned",
                    e.steps + e.mismatches)
        default:
            return ("", [])
        }
    }
}
