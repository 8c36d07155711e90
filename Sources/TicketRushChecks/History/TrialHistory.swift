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
    public var events: [Event] { didSet { operations = BuyerOperation.pair(events, wants: wants) } }
    public var exits: [BuyerExit]
    /// True when the runner killed the buyers because the trial ran past its timeout.
    public var timedOut: Bool
    /// Under a controlled schedule: no buyer was enabled while some were unfinished, so the
    /// runner ended the trial at once (no timeout needed).
    public var deadlocked = false
    /// A whole program judged deadlocked with nobody on the gate's lock: what the runner saw
    /// (every thread in an untimed futex or wait), for no-deadlock's evidence.
    public var deadlockWaits: String?
    /// Under syscall control: why the schedule ran again with every descriptor call held.
    public var fullControl: String?
    /// What the runner read from storage after every buyer was reaped.
    public var finalRead: StoreRead
    /// Monotonic time the start barrier opened.
    public var startNs: UInt64
    public var durationNs: UInt64
    /// The lock buyers waited on, for messages ("semaphore /ticketrush-…").
    public var lockLabel: String
    /// Why the events may not be the whole story (empty: complete).
    public var incomplete: [Incompleteness]
    /// What a command buyer or program printed (docs/programs.md), bounded; empty for built-in buyers.
    public var output: [OutputLine] = []
    /// `output` was cut at its bound: this many more lines were not kept.
    public var outputDropped = 0
    /// The program's mode ("buyers" / "program"), "" for built-in buyers.
    public var program = ""
    /// False on a database engine: its reads cannot tear, so no-torn-read does not apply.
    public var readsCanTear = true
    /// The storage, for messages ("json", "sqlite", …).
    public var storage = "json"
    /// Databases: the engines' own messages the buyers logged (distinct, first few).
    public var engineMessages: [String] = []
    /// `workload:` of the scenario (nil: the counter).
    public var workload: Workload? = nil
    /// The workload's state the runner read after every buyer was reaped (nil: unread, or no workload).
    public var workloadState: WorkloadState? = nil
    /// Tasks paired into operations, Jepsen style, once per history.
    public private(set) var operations: [BuyerOperation]

    public init(
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

    public var buyerCount: Int { buyerNames.count }

    /// The final stored count, when the document parsed.
    public var finalCount: Int? {
        if case .count(let count) = finalRead { return count }
        return nil
    }

    /// The buyer's display name.
    public func name(_ buyer: Int) -> String {
        buyer < buyerNames.count ? buyerNames[buyer] : program.isEmpty ? "buyer #\(buyer + 1)" : "(a line naming no buyer)"
    }


    /// Reads that could not be parsed.
    public var tornReads: [Event] { events.filter { $0.kind.isTornRead } }

    /// Purchases the buyers reported.
    public var purchases: [Event] { events.filter { $0.kind == .bought } }

    /// `event` with its time counted from the barrier, as evidence keeps it.
    public func relative(_ event: Event) -> Event {
        var e = event
        e.tNs = event.tNs >= startNs ? event.tNs - startNs : 0
        return e
    }
}
