#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// no-deadlock: the trial finished before its timeout. When it did not, the evidence is a
/// diagnosis: which buyers were blocked on the lock, and which buyer held it and how it
/// died (or that it was stalled, or still running).
public struct NoDeadlockChecker: Checker {
    public let invariant = Invariant.noDeadlock
    /// Whether the trial ran into its timeout is the runner's own fact.
    public var violationSurvivesGaps: Bool { true }
    /// A server that stopped answering times a trial out with no lock involved.
    public var violationSurvivesSilence: Bool { false }
    public init() {}

    public func check(_ h: TrialHistory) throws -> CheckResult {
        guard h.timedOut || h.deadlocked else {
            return result(.holds, .deadlock(timedOut: false, durationNs: h.durationNs, lock: h.lockLabel, blocked: [], holders: [], unfinished: []), h)
        }
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
        let blocked = waiting.keys.sorted().map { h.relative(waiting[$0]!) }
        let holders = holding.keys.sorted().map { b in
            Evidence.Holder(acquired: h.relative(holding[b]!), state: holderState(b, h, killed: faultKilled[b], stalled: stalled[b]))
        }
        let unfinished = blocked.isEmpty
            ? (0..<h.buyerCount).filter { lastStep[$0]?.kind != .done }.map { Evidence.BuyerStep(buyer: $0, last: lastStep[$0]?.kind) }
            : []
        let evidence = Evidence.deadlock(timedOut: h.timedOut, durationNs: h.durationNs, lock: h.lockLabel, blocked: blocked,
                                         holders: holders, unfinished: unfinished, waits: h.deadlockWaits)
        let blamed = (holders.map(\.acquired) + blocked).map(\.ref)
        return result(.violated, evidence, blamed: blamed, h)
    }

    /// How a buyer that held the lock at the end came to stop: killed, stalled, still running.
    private func holderState(_ b: Int, _ h: TrialHistory, killed: Event?, stalled: Event?) -> Evidence.Holder.State {
        if let killed { return .killed(atNs: h.relative(killed).tNs) }
        if let stalled { return .stalled(atNs: h.relative(stalled).tNs) }
        if b < h.exits.count, case .signaled(let signal) = h.exits[b], signal != SIGTERM { return .died(h.exits[b]) }
        return .running
    }
}
