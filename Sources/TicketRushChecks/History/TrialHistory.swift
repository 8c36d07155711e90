import TicketRushModel
/// Everything one trial left behind: the events, how each buyer ended, the final document.
public struct TrialHistory: Sendable {
    /// 0-based trial index.
    public var trial: Int
    public var seed: UInt64
    public var tickets: Int
    public var buyerNames: [String]
    public var wants: Int
    /// Every event in time order (ties keep arrival order).
    public var events: [Event]
    public var exits: [BuyerExit]
    /// True when the runner killed the buyers because the trial ran past its timeout.
    public var timedOut: Bool
    /// What the runner read from storage after every buyer was reaped.
    public var finalRead: StoreRead
    /// Monotonic time the start barrier opened.
    public var startNs: UInt64
    public var durationNs: UInt64
    /// The lock buyers waited on, for messages ("semaphore /ticketrush-…").
    public var lockLabel: String

    public init(
        trial: Int, seed: UInt64, tickets: Int, buyerNames: [String], wants: Int, events: [Event],
        exits: [BuyerExit], timedOut: Bool = false, finalRead: StoreRead, startNs: UInt64 = 0, durationNs: UInt64 = 0,
        lockLabel: String = "the lock"
    ) {
        self.trial = trial
        self.seed = seed
        self.tickets = tickets
        self.buyerNames = buyerNames
        self.wants = wants
        self.events = events
        self.exits = exits
        self.timedOut = timedOut
        self.finalRead = finalRead
        self.startNs = startNs
        self.durationNs = durationNs
        self.lockLabel = lockLabel
    }

    public var buyerCount: Int { buyerNames.count }

    /// The final stored count, when the document parsed.
    public var finalCount: Int? {
        if case .count(let count) = finalRead { return count }
        return nil
    }

    /// The buyer's display name.
    public func name(_ buyer: Int) -> String {
        buyer < buyerNames.count ? buyerNames[buyer] : "buyer #\(buyer + 1)"
    }

    /// Tasks paired into operations, Jepsen style.
    public var operations: [Operation] { Operation.pair(self) }

    /// Reads that could not be parsed.
    public var tornReads: [Event] { events.filter { $0.kind.isTornRead } }

    /// Purchases the buyers reported.
    public var purchases: [Event] { events.filter { $0.kind == .bought } }

    /// Milliseconds from the barrier to `event`, for messages.
    public func millis(_ event: Event) -> String {
        let ns = event.tNs >= startNs ? event.tNs - startNs : 0
        return formatMillis(ns)
    }
}

/// `12.345 ms`-style text for nanoseconds.
package func formatMillis(_ ns: UInt64) -> String {
    let micros = (ns + 500) / 1000
    let whole = micros / 1000
    let frac = micros % 1000
    let fracText = String(frac)
    return "\(whole).\(String(repeating: "0", count: 3 - fracText.count))\(fracText) ms"
}
