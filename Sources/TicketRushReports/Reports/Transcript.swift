import TicketRushModel
import TicketRushChecks
/// One human line per event: `[  12.345 ms] 路人3 saw 1 left`.
package enum Transcript {
    /// `narration`: what the lock steps mean on the scenario's mode and engine (a bare
    /// `BEGIN` holds nothing); nil reads them as a file lock.
    package static func lines(_ h: TrialHistory, scenario: String, narration: LockNarration? = nil) -> [String] {
        var out = ["\(scenario) — trial \(h.trial + 1) (seed \(h.seed))"]
        // A program's own output lines, interleaved by arrival time (docs/programs.md).
        var printed = h.output[...]
        func line(_ tNs: UInt64, _ text: String) {
            let stamp = formatMillis(tNs >= h.startNs ? tNs - h.startNs : 0)
            out.append("[\(String(repeating: " ", count: max(0, 11 - stamp.count)))\(stamp)] \(text)")
        }
        for e in h.events {
            while let o = printed.first, o.tNs <= e.tNs { line(o.tNs, ProgramOutputText.sentence(o, h)); printed = printed.dropFirst() }
            line(e.tNs, sentence(e, h, narration: narration))
        }
        for o in printed { line(o.tNs, ProgramOutputText.sentence(o, h)) }
        return out
    }

    /// A fault that did not land exactly at a step says so: `, at its time offset`.
    private static func landing(_ e: Event) -> String {
        switch Fault.Landing(rawValue: e.aux) {
        case .offset: return ", at its time offset"
        case .arrival: return ", as its line arrived"
        default: return ""
        }
    }

    package static func sentence(_ e: Event, _ h: TrialHistory, narration: LockNarration? = nil) -> String {
        let who = h.name(e.buyer)
        let lock = narration ?? LockNarration(mode: .flock, storage: h.storage)
        switch e.kind {
        case .start: return "\(who) starts"
        case .searchRead: return "\(who) saw \(e.value) left"
        case .searchTorn: return "\(who) read a torn document (\(plural(Int(e.value), "byte"))) while searching"
        case .lockWait: return "\(who) \(lock.wait)"
        case .lockAcquired: return "\(who) \(lock.acquired)"
        case .purchaseRead:
            let locks = lock.readLocks.map { "\($0), " } ?? ""
            return e.value > 0 ? "\(who) \(locks)reads \(e.value) left and decides to buy" : "\(who) \(locks)reads 0 left"
        case .purchaseTorn: return "\(who) read a torn document (\(plural(Int(e.value), "byte"))) while purchasing"
        case .purchaseWrite: return "\(who) writes count \(e.value)"
        case .bought: return "\(who) bought, \(e.value) left"
        case .soldOut: return "\(who): sold out"
        case .error: return "\(who): error (\(e.reasonText ?? "unknown"))"
        case .lockReleased: return "\(who) \(lock.released)"
        case .done: return "\(who) is done"
        case .lockRecovered: return "\(who) recovered the lock from a holder that died"
        case .purchaseRetry: return "\(who): the document changed (version \(e.aux)), retry \(e.value)"
        case .storeRetry: return "\(who): the engine rolled back (\(RetryReason(rawValue: e.aux)?.name ?? "reason \(e.aux)")), retry \(e.value)"
        case .storeError: return "\(who): the engine failed: \(EngineCode.text(e.value))"
        case .faultKill: return "fault: runner kills \(who) (signal \(e.value)\(landing(e)))"
        case .faultStall: return "fault: runner stalls \(who) for \(formatMillis(UInt64(max(e.value, 0))))\(landing(e))"
        case .faultResume: return "fault: runner resumes \(who)"
        case .gate: return "\(who) waits at the gate before \(GateOp(rawValue: e.value)?.name ?? "a step")"
        case .gateBlocked: return "\(who) found the lock busy and parks again"
        case .keyRead: return "\(who) reads key \(e.key): \(e.value) (version \(e.aux))"
        case .keyWrite: return "\(who) writes key \(e.key): \(e.value) (version \(e.aux))"
        case .predicateRead: return "\(who) counts collection \(e.key): \(plural(Int(e.value), "row"))"
        case .predicateRow: return "\(who) sees row \(e.value) of collection \(e.key)"
        case .rowInsert: return "\(who) inserts row \(e.aux) into collection \(e.key)"
        case .txnCommit: return "\(who) commits"
        case .txnAbort: return "\(who)'s transaction is rolled back"
        }
    }
}
