import TicketRushModel

// Evidence on the wire (TrialRecordWire): a tag byte per case, then its values in order.
extension WireWriter {
    mutating func evidence(_ e: Evidence) {
        switch e {
        case .sales(let tickets, let sold, let bought, let indeterminate):
            u8(0); int(tickets); int(sold); events(bought); int(indeterminate)
        case .conservation(let tickets, let finalCount, let bought, let indeterminate, let sameValue):
            u8(1); int(tickets); int(finalCount); int(bought); int(indeterminate); events(sameValue)
        case .finalUnreadable(let read):
            u8(2); storeRead(read)
        case .tornReads(let first, let total, let readers, let lastWriteBefore):
            u8(3); events(first); int(total); int(readers); optional(lastWriteBefore) { $0.event($1) }
        case .outcomes(let tasks, let miscounted, let unfinished):
            u8(4); int(tasks)
            array(miscounted) { $0.int($1.task.buyer); $0.int($1.task.task); $0.int($1.outcomes) }
            array(unfinished) { $0.int($1.buyer); $0.int($1.withOutcome); $0.int($1.wants) }
        case .exits(let buyers, let unclean, let timedOut, let durationNs):
            u8(5); int(buyers)
            array(unclean) { $0.int($1.buyer); $0.exit($1.exit); $0.optional($1.cause) { $0.event($1) } }
            bool(timedOut); u64(durationNs)
        case .undersell(let demand, let tickets, let finalCount, let firstError):
            u8(6); int(demand); int(tickets); int(finalCount); optional(firstError) { $0.event($1) }
        case .deadlock(let timedOut, let durationNs, let lock, let blocked, let holders, let unfinished, let waits):
            u8(7); bool(timedOut); u64(durationNs); string(lock); events(blocked)
            array(holders) { $0.event($1.acquired); $0.holderState($1.state) }
            array(unfinished) { $0.int($1.buyer); $0.optional($1.last) { $0.u16($1.rawValue) } }
            optional(waits) { $0.string($1) }
        case .anomalies(let found, let gaps):
            u8(8); array(found) { $0.finding($1) }; strings(gaps)
        case .incomplete(let gaps):
            u8(9); array(gaps) { $0.incompleteness($1) }
        case .checkerFailed(let why):
            u8(10); string(why)
        case .notApplicable(let why):
            u8(11); string(why)
        case .doubleBooking(let seat, let seats, let buyers, let owner):
            u8(12); int(seat); int(seats); events(buyers); optional(owner) { $0.int($1) }
        case .customerLimit(let customer, let limit, let held, let bought):
            u8(13); int(customer); int(limit); int(held); events(bought)
        case .capacity(let capacity, let rows, let bought):
            u8(14); int(capacity); int(rows); events(bought)
        case .serialization(let s):
            u8(15); strings(s.steps); strings(s.committed)
            optional(s.explainedBy) { $0.string($1) }; optional(s.how) { $0.string($1) }
            strings(s.mismatches); optional(s.stuck) { $0.string($1) }
        case .caseEffect(let steps, let seen, let stuck):
            u8(16); strings(steps); optional(seen) { $0.string($1) }; optional(stuck) { $0.string($1) }
        }
    }

    mutating func holderState(_ s: Evidence.Holder.State) {
        switch s {
        case .killed(let at): u8(0); u64(at)
        case .stalled(let at): u8(1); u64(at)
        case .died(let exit): u8(2); self.exit(exit)
        case .running: u8(3)
        }
    }

    mutating func finding(_ f: AnomalyFinding) {
        string(f.anomaly.rawValue)
        array(f.txns) { w, t in w.int(t.id); w.int(t.buyer); w.int(t.task); w.int(t.attempt); w.string(t.status.rawValue) }
        array(f.steps) { w, d in
            w.int(d.from); w.int(d.to); w.string(d.kind.rawValue); w.u16(d.key); w.i32(d.fromVersion); w.i32(d.toVersion); w.bool(d.lostUpdate)
        }
    }
}

extension WireReader {
    mutating func evidence() throws -> Evidence {
        switch try u8() {
        case 0: return .sales(tickets: try int(), sold: try int(), bought: try events(), indeterminate: try int())
        case 1: return .conservation(tickets: try int(), finalCount: try int(), bought: try int(), indeterminate: try int(), sameValue: try events())
        case 2: return .finalUnreadable(try storeRead())
        case 3: return .tornReads(first: try events(), total: try int(), readers: try int(), lastWriteBefore: try optional { try $0.event() })
        case 4:
            return .outcomes(tasks: try int(),
                             miscounted: try array { Evidence.TaskCount(task: TaskRef(buyer: try $0.int(), task: try $0.int()), outcomes: try $0.int()) },
                             unfinished: try array { Evidence.BuyerTasks(buyer: try $0.int(), withOutcome: try $0.int(), wants: try $0.int()) })
        case 5:
            return .exits(buyers: try int(),
                          unclean: try array { Evidence.BuyerEnd(buyer: try $0.int(), exit: try $0.exit(), cause: try $0.optional { try $0.event() }) },
                          timedOut: try bool(), durationNs: try u64())
        case 6: return .undersell(demand: try int(), tickets: try int(), finalCount: try int(), firstError: try optional { try $0.event() })
        case 7:
            return .deadlock(timedOut: try bool(), durationNs: try u64(), lock: try string(), blocked: try events(),
                             holders: try array { Evidence.Holder(acquired: try $0.event(), state: try $0.holderState()) },
                             unfinished: try array { Evidence.BuyerStep(buyer: try $0.int(), last: try $0.optional { try $0.eventKind() }) },
                             waits: try optional { try $0.string() })
        case 8: return .anomalies(found: try array { try $0.finding() }, gaps: try strings())
        case 9: return .incomplete(try array { try $0.incompleteness() })
        case 10: return .checkerFailed(try string())
        case 11: return .notApplicable(try string())
        case 12: return .doubleBooking(seat: try int(), seats: try int(), buyers: try events(), owner: try optional { try $0.int() })
        case 13: return .customerLimit(customer: try int(), limit: try int(), held: try int(), bought: try events())
        case 14: return .capacity(capacity: try int(), rows: try int(), bought: try events())
        case 15:
            return .serialization(SessionEvidence(steps: try strings(), committed: try strings(), explainedBy: try optional { try $0.string() },
                                                  how: try optional { try $0.string() }, mismatches: try strings(),
                                                  stuck: try optional { try $0.string() }))
        case 16: return .caseEffect(steps: try strings(), seen: try optional { try $0.string() }, stuck: try optional { try $0.string() })
        default: throw malformed("unknown evidence")
        }
    }

    mutating func eventKind() throws -> EventKind {
        guard let kind = EventKind(rawValue: try u16()) else { throw malformed("unknown event kind") }
        return kind
    }

    mutating func holderState() throws -> Evidence.Holder.State {
        switch try u8() {
        case 0: return .killed(atNs: try u64())
        case 1: return .stalled(atNs: try u64())
        case 2: return .died(try exit())
        case 3: return .running
        default: throw malformed("unknown holder state")
        }
    }

    mutating func finding() throws -> AnomalyFinding {
        AnomalyFinding(anomaly: try raw(Anomaly.self),
                       txns: try array { TxnLabel(id: try $0.int(), buyer: try $0.int(), task: try $0.int(), attempt: try $0.int(),
                                                  status: try $0.raw(Txn.Status.self)) },
                       steps: try array {
                           Dependency(from: try $0.int(), to: try $0.int(), kind: try $0.raw(Dependency.Kind.self), key: try $0.u16(),
                                      fromVersion: try $0.i32(), toVersion: try $0.i32(), lostUpdate: try $0.bool())
                       })
    }
}

extension TxnLabel {
    init(id: Int, buyer: Int, task: Int, attempt: Int, status: Txn.Status) {
        self.id = id
        self.buyer = buyer
        self.task = task
        self.attempt = attempt
        self.status = status
    }
}
