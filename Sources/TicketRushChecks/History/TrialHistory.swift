import TicketRushModel
/// Everything one trial left behind: the events, how each buyer ended, the final document.
package struct TrialHistory: Sendable {
    /// 0-based trial index.
    package var trial: Int
    package var seed: UInt64
    package var tickets: Int
    package var buyerNames: [String]
    package var wants: Int
    /// Every event in time order (ties keep arrival order).
    package var events: [Event] { didSet { operations = BuyerOperation.pair(events, wants: wants) } }
    package var exits: [BuyerExit]
    /// True when the runner killed the buyers because the trial ran past its timeout.
    package var timedOut: Bool
    /// Under a controlled schedule: no buyer was enabled while some were unfinished, so the
    /// runner ended the trial at once (no timeout needed).
    package var deadlocked = false
    /// What the runner read from storage after every buyer was reaped.
    package var finalRead: StoreRead
    /// Monotonic time the start barrier opened.
    package var startNs: UInt64
    package var durationNs: UInt64
    /// The lock buyers waited on, for messages ("semaphore /ticketrush-…").
    package var lockLabel: String
    /// Why the events may not be the whole story (empty: complete).
    package var incomplete: [Incompleteness]
    /// What a command buyer or program printed (docs/programs.md), bounded; empty for built-in buyers.
    package var output: [OutputLine] = []
    /// `output` was cut at its bound: this many more lines were not kept.
    package var outputDropped = 0
    /// The program's mode ("buyers" / "program"), "" for built-in buyers.
    package var program = ""
    /// False on a database engine: its reads cannot tear, so no-torn-read does not apply.
    package var readsCanTear = true
    /// The storage, for messages ("json", "sqlite", …).
    package var storage = "json"
    /// Databases: the engines' own messages the buyers logged (distinct, first few).
    package var engineMessages: [String] = []
    /// Tasks paired into operations, Jepsen style, once per history.
    package private(set) var operations: [BuyerOperation]

    package init(
        trial: Int, seed: UInt64, tickets: Int, buyerNames: [String], wants: Int, events: [Event],
        exits: [BuyerExit], timedOut: Bool = false, finalRead: StoreRead, startNs: UInt64 = 0, durationNs: UInt64 = 0,
        lockLabel: String = "the lock", incomplete: [Incompleteness] = []
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
        self.incomplete = incomplete
        operations = BuyerOperation.pair(events, wants: wants)
    }

    package var buyerCount: Int { buyerNames.count }

    /// The final stored count, when the document parsed.
    package var finalCount: Int? {
        if case .count(let count) = finalRead { return count }
        return nil
    }

    /// The buyer's display name.
    package func name(_ buyer: Int) -> String {
        buyer < buyerNames.count ? buyerNames[buyer] : program.isEmpty ? "buyer #\(buyer + 1)" : "(a line naming no buyer)"
    }


    /// Reads that could not be parsed.
    package var tornReads: [Event] { events.filter { $0.kind.isTornRead } }

    /// Purchases the buyers reported.
    package var purchases: [Event] { events.filter { $0.kind == .bought } }

    /// `event` with its time counted from the barrier, as evidence keeps it.
    package func relative(_ event: Event) -> Event {
        var e = event
        e.tNs = event.tNs >= startNs ? event.tNs - startNs : 0
        return e
    }
}
