#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// no-deadlock: the trial finished before its timeout. When it did not, the evidence is a
/// diagnosis: which buyers were blocked on the lock, and which buyer held it and how it
/// died (or that it was stalled, or still running).
public struct NoDeadlockChecker: Checker {
    public let invariant = Invariant.noDeadlock
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard h.timedOut else { return holds("finished in \(formatMillis(h.durationNs)), before the timeout") }
        var waiting: [Int: Event] = [:], holding: [Int: Event] = [:]
        var faultKilled: [Int: Event] = [:], stalled: [Int: Event] = [:]
        var lastStep: [Int: Event] = [:]
        for e in h.events {
            switch e.kind {
            case .lockWait: waiting[e.buyer] = e
            case .lockAcquired: waiting[e.buyer] = nil; holding[e.buyer] = e
            case .lockReleased: holding[e.buyer] = nil
            case .faultKill: faultKilled[e.buyer] = e
            case .faultStall: stalled[e.buyer] = e
            case .faultResume: stalled[e.buyer] = nil
            default: break
            }
            if e.kind.isBuyerStep, !(e.kind == .error && (e.reason == .timeout || e.reason == .killed)) { lastStep[e.buyer] = e }
        }
        let blocked = waiting.keys.sorted()
        let holders = holding.keys.sorted()
        var details: [String] = []
        var holderText: [String] = []
        for b in holders {
            let state = holderState(b, h, killed: faultKilled[b], stalled: stalled[b])
            holderText.append("\(h.name(b)) (\(state))")
            details.append("holder: \(h.name(b)) took \(h.lockLabel) at \(h.millis(holding[b]!)) and never released it: \(state)")
        }
        if !blocked.isEmpty {
            let names = blocked.map { "\(h.name($0)) since \(h.millis(waiting[$0]!))" }
            details.insert("blocked on \(h.lockLabel): " + listed(names, limit: 10), at: 0)
        }
        let timeout = "timed out after \(formatMillis(h.durationNs))"
        if blocked.isEmpty {
            let running = (0..<h.buyerCount).filter { b in lastStep[b]?.kind != .done }
            let steps = running.map { b in "\(h.name(b)) after \(lastStep[b]?.kind.name ?? "nothing")" }
            details.append("unfinished: " + listed(steps, limit: 10))
            return violated("\(timeout) with no buyer waiting for a lock: \(plural(running.count, "buyer")) unfinished", details,
                            severity: max(running.count, 1))
        }
        let heldBy = holderText.isEmpty
            ? "no holder in the log (the lock was never released by a buyer that did not report it)"
            : "held by " + holderText.joined(separator: ", ")
        return violated("\(timeout): \(plural(blocked.count, "buyer")) blocked on \(h.lockLabel), \(heldBy)", details,
                        severity: blocked.count)
    }

    /// How a buyer that held the lock at the end came to stop: killed, stalled, still running.
    private func holderState(_ b: Int, _ h: TrialHistory, killed: Event?, stalled: Event?) -> String {
        if let killed { return "killed by a fault at \(h.millis(killed)) while holding it" }
        if let stalled { return "stalled by a fault at \(h.millis(stalled)), still stopped" }
        if b < h.exits.count, case .signaled(let signal) = h.exits[b], signal != SIGTERM {
            return "died (\(h.exits[b].description)) while holding it"
        }
        return "still running when the trial timed out"
    }
}
