import TicketRushModel
import TicketRushChecks

// A record and what it holds, keys in UTF-8 order (TrialsJSON).
extension TrialsJSON {
    mutating func record(_ r: TrialRecord) {
        object { w in
            w.optional("censoredWaitsNs", r.censoredWaitsNs) { $0.ints($1) }
            w.key("durationNs"); w.int(r.durationNs)
            w.optional("engineMessages", r.engineMessages) { $0.strings($1) }
            w.optional("exploration", r.exploration) { $0.summary($1) }
            w.key("finalRead"); w.storeRead(r.finalRead)
            w.optional("fullControl", r.fullControl) { $0.string($1) }
            w.key("incomplete"); w.list(r.incomplete) { $0.incompleteness($1) }
            w.optional("isolation", r.isolation) { $0.isolation($1) }
            w.key("latenciesNs"); w.ints(r.latenciesNs)
            w.key("lockAcquisitions"); w.int(r.lockAcquisitions)
            w.key("lockHoldNs"); w.int(r.lockHoldNs)
            w.key("lockWaitNs"); w.int(r.lockWaitNs)
            w.optional("lockWaitsNs", r.lockWaitsNs) { $0.ints($1) }
            w.key("results"); w.list(r.results) { $0.result($1) }
            w.optional("retries", r.retries) { $0.int($1) }
            w.optional("retryReasons", r.retryReasons) { w, reasons in
                w.object { w in
                    for (k, v) in reasons.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                        w.separate(); w.string(k); w.bytes.append(UInt8(ascii: ":")); w.int(v)
                    }
                }
            }
            w.key("scenario"); w.string(r.scenario)
            w.optional("schedule", r.schedule) { $0.string($1) }
            w.key("seed"); w.int(r.seed)
            w.key("sold"); w.int(r.sold)
            w.key("timedOut"); w.bool(r.timedOut)
            w.optional("timeline", r.timeline) { w, t in
                w.object { $0.key("buyers"); $0.strings(t.buyers); $0.key("events"); $0.list(t.events) { $0.event($1) } }
            }
            w.key("tornReads"); w.int(r.tornReads)
            w.key("trial"); w.int(r.trial)
        }
    }

    mutating func event(_ e: Event) {
        object { w in
            w.key("aux"); w.int(e.aux)
            w.key("buyer"); w.int(e.buyer)
            if e.key != 0 { w.key("key"); w.int(e.key) }
            w.key("kind"); w.int(e.kind.rawValue)
            w.key("tNs"); w.int(e.tNs)
            w.key("task"); w.int(e.task)
            w.key("value"); w.int(e.value)
        }
    }

    mutating func events(_ es: [Event]) { list(es) { $0.event($1) } }

    mutating func storeRead(_ s: StoreRead) {
        switch s {
        case .count(let n): enumCase("count") { $0.key("_0"); $0.int(n) }
        case .torn(let bytes): enumCase("torn") { $0.key("bytes"); $0.int(bytes) }
        case .failed(let errno): enumCase("failed") { $0.key("errno"); $0.int(errno) }
        }
    }

    mutating func incompleteness(_ i: Incompleteness) {
        switch i {
        case .malformed(let n): enumCase("malformed") { $0.key("records"); $0.int(n) }
        case .overflow(let limit): enumCase("overflow") { $0.key("limit"); $0.int(limit) }
        case .vanished(let buyers): enumCase("vanished") { $0.key("buyers"); $0.ints(buyers) }
        case .unattributed(let n): enumCase("unattributed") { $0.key("lines"); $0.int(n) }
        case .server(let why): enumCase("server") { $0.key("unanswered"); $0.string(why) }
        }
    }

    mutating func result(_ c: CheckResult) {
        object { w in
            w.key("blamed"); w.list(c.blamed) { w, t in w.object { $0.key("buyer"); $0.int(t.buyer); $0.key("task"); $0.int(t.task) } }
            w.key("details"); w.strings(c.details)
            w.key("evidence"); w.evidence(c.evidence)
            w.key("invariant"); w.string(c.invariant.rawValue)
            w.key("summary"); w.string(c.summary)
            w.key("verdict"); w.string(c.verdict.rawValue)
        }
    }

    mutating func summary(_ s: ScheduleSummary) {
        object { w in
            w.key("abandoned"); w.int(s.abandoned)
            w.optional("complete", s.complete) { $0.bool($1) }
            w.optional("pctBound", s.pctBound) { $0.double($1) }
            w.optional("pctK", s.pctK) { $0.int($1) }
            w.optional("replay", s.replay) { $0.string($1) }
            w.optional("replayCommand", s.replayCommand) { $0.string($1) }
            w.key("runs"); w.int(s.runs)
            w.optional("shrunk", s.shrunk) { $0.string($1) }
            w.optional("shrunkCommand", s.shrunkCommand) { $0.string($1) }
            w.key("statement"); w.string(s.statement)
            w.optional("stoppedBy", s.stoppedBy) { $0.string($1.rawValue) }
            w.optional("story", s.story) { $0.strings($1) }
            w.key("strategy"); w.string(s.strategy)
            w.key("violating"); w.int(s.violating)
        }
    }

    mutating func isolation(_ row: IsolationRow) {
        object { w in
            w.key("caseName"); w.string(row.caseName)
            w.key("engine"); w.string(row.engine)
            w.key("how"); w.string(row.how)
            w.key("isolation"); w.string(row.isolation)
            w.key("outcome"); w.string(row.outcome)
            w.key("version"); w.string(row.version)
        }
    }

    mutating func exit(_ e: BuyerExit) {
        switch e {
        case .exited(let code): enumCase("exited") { $0.key("code"); $0.int(code) }
        case .signaled(let signal): enumCase("signaled") { $0.key("signal"); $0.int(signal) }
        case .unknown: enumCase("unknown")
        }
    }
}
