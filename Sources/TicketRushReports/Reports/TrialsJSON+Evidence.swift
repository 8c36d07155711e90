import TicketRushModel
import TicketRushChecks

// Evidence as JSONEncoder writes it (TrialsJSON): each case's labels in UTF-8 order.
extension TrialsJSON {
    mutating func evidence(_ e: Evidence) {
        switch e {
        case .sales(let tickets, let sold, let bought, let indeterminate):
            enumCase("sales") { w in
                w.key("bought"); w.events(bought); w.key("indeterminate"); w.int(indeterminate)
                w.key("sold"); w.int(sold); w.key("tickets"); w.int(tickets)
            }
        case .conservation(let tickets, let finalCount, let bought, let indeterminate, let sameValue):
            enumCase("conservation") { w in
                w.key("bought"); w.int(bought); w.key("finalCount"); w.int(finalCount); w.key("indeterminate"); w.int(indeterminate)
                w.key("sameValue"); w.events(sameValue); w.key("tickets"); w.int(tickets)
            }
        case .finalUnreadable(let read): enumCase("finalUnreadable") { $0.key("_0"); $0.storeRead(read) }
        case .tornReads(let first, let total, let readers, let lastWriteBefore):
            enumCase("tornReads") { w in
                w.key("first"); w.events(first); w.optional("lastWriteBefore", lastWriteBefore) { $0.event($1) }
                w.key("readers"); w.int(readers); w.key("total"); w.int(total)
            }
        case .outcomes(let tasks, let miscounted, let unfinished):
            enumCase("outcomes") { w in
                w.key("miscounted")
                w.list(miscounted) { w, m in
                    w.object { w in
                        w.key("outcomes"); w.int(m.outcomes)
                        w.key("task"); w.object { $0.key("buyer"); $0.int(m.task.buyer); $0.key("task"); $0.int(m.task.task) }
                    }
                }
                w.key("tasks"); w.int(tasks)
                w.key("unfinished")
                w.list(unfinished) { w, u in
                    w.object { $0.key("buyer"); $0.int(u.buyer); $0.key("wants"); $0.int(u.wants); $0.key("withOutcome"); $0.int(u.withOutcome) }
                }
            }
        case .exits(let buyers, let unclean, let timedOut, let durationNs):
            enumCase("exits") { w in
                w.key("buyers"); w.int(buyers); w.key("durationNs"); w.int(durationNs); w.key("timedOut"); w.bool(timedOut)
                w.key("unclean")
                w.list(unclean) { w, u in
                    w.object { $0.key("buyer"); $0.int(u.buyer); $0.optional("cause", u.cause) { $0.event($1) }; $0.key("exit"); $0.exit(u.exit) }
                }
            }
        case .undersell(let demand, let tickets, let finalCount, let firstError):
            enumCase("undersell") { w in
                w.key("demand"); w.int(demand); w.key("finalCount"); w.int(finalCount)
                w.optional("firstError", firstError) { $0.event($1) }; w.key("tickets"); w.int(tickets)
            }
        case .deadlock(let timedOut, let durationNs, let lock, let blocked, let holders, let unfinished, let waits):
            enumCase("deadlock") { w in
                w.key("blocked"); w.events(blocked); w.key("durationNs"); w.int(durationNs)
                w.key("holders"); w.list(holders) { w, h in w.object { $0.key("acquired"); $0.event(h.acquired); $0.key("state"); $0.holderState(h.state) } }
                w.key("lock"); w.string(lock); w.key("timedOut"); w.bool(timedOut)
                w.key("unfinished")
                w.list(unfinished) { w, u in w.object { $0.key("buyer"); $0.int(u.buyer); $0.optional("last", u.last) { $0.int($1.rawValue) } } }
                w.optional("waits", waits) { $0.string($1) }
            }
        default: otherEvidence(e)
        }
    }

    private mutating func otherEvidence(_ e: Evidence) {
        switch e {
        case .anomalies(let found, let gaps):
            enumCase("anomalies") { $0.key("found"); $0.list(found) { $0.finding($1) }; $0.key("gaps"); $0.strings(gaps) }
        case .incomplete(let gaps): enumCase("incomplete") { $0.key("_0"); $0.list(gaps) { $0.incompleteness($1) } }
        case .checkerFailed(let why): enumCase("checkerFailed") { $0.key("_0"); $0.string(why) }
        case .notApplicable(let why): enumCase("notApplicable") { $0.key("_0"); $0.string(why) }
        case .doubleBooking(let seat, let seats, let buyers, let owner):
            enumCase("doubleBooking") { w in
                w.key("buyers"); w.events(buyers); w.optional("owner", owner) { $0.int($1) }
                w.key("seat"); w.int(seat); w.key("seats"); w.int(seats)
            }
        case .customerLimit(let customer, let limit, let held, let bought):
            enumCase("customerLimit") { w in
                w.key("bought"); w.events(bought); w.key("customer"); w.int(customer); w.key("held"); w.int(held); w.key("limit"); w.int(limit)
            }
        case .capacity(let capacity, let rows, let bought):
            enumCase("capacity") { $0.key("bought"); $0.events(bought); $0.key("capacity"); $0.int(capacity); $0.key("rows"); $0.int(rows) }
        case .serialization(let s):
            enumCase("serialization") { w in
                w.key("_0")
                w.object { w in
                    w.key("committed"); w.strings(s.committed); w.optional("explainedBy", s.explainedBy) { $0.string($1) }
                    w.optional("how", s.how) { $0.string($1) }; w.key("mismatches"); w.strings(s.mismatches)
                    w.key("steps"); w.strings(s.steps); w.optional("stuck", s.stuck) { $0.string($1) }
                }
            }
        case .caseEffect(let steps, let seen, let stuck):
            enumCase("caseEffect") { w in
                w.optional("seen", seen) { $0.string($1) }; w.key("steps"); w.strings(steps); w.optional("stuck", stuck) { $0.string($1) }
            }
        case .sales, .conservation, .finalUnreadable, .tornReads, .outcomes, .exits, .undersell, .deadlock:
            preconditionFailure("written by evidence(_:)")
        }
    }

    private mutating func holderState(_ s: Evidence.Holder.State) {
        switch s {
        case .killed(let at): enumCase("killed") { $0.key("atNs"); $0.int(at) }
        case .stalled(let at): enumCase("stalled") { $0.key("atNs"); $0.int(at) }
        case .died(let exit): enumCase("died") { $0.key("_0"); $0.exit(exit) }
        case .running: enumCase("running")
        }
    }

    private mutating func finding(_ f: AnomalyFinding) {
        object { w in
            w.key("anomaly"); w.string(f.anomaly.rawValue)
            w.key("steps")
            w.list(f.steps) { w, d in
                w.object { w in
                    w.key("from"); w.int(d.from); w.key("fromVersion"); w.int(d.fromVersion); w.key("key"); w.int(d.key)
                    w.key("kind"); w.string(d.kind.rawValue); w.key("lostUpdate"); w.bool(d.lostUpdate)
                    w.key("to"); w.int(d.to); w.key("toVersion"); w.int(d.toVersion)
                }
            }
            w.key("txns")
            w.list(f.txns) { w, t in
                w.object { w in
                    w.key("attempt"); w.int(t.attempt); w.key("buyer"); w.int(t.buyer); w.key("id"); w.int(t.id)
                    w.key("status"); w.string(t.status.rawValue); w.key("task"); w.int(t.task)
                }
            }
        }
    }
}
