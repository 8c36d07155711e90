import TicketRushModel
import TicketRushChecks

/// Hand-written histories for checker tests: `h.step(buyer, .kind, value)` in time order.
struct HistoryBuilder {
    var tickets: Int
    var buyers: Int
    var wants = 1
    var final: StoreRead
    var timedOut = false
    private(set) var events: [Event] = []
    var exits: [BuyerExit]
    private var clock: UInt64 = 1_000

    init(tickets: Int, buyers: Int, wants: Int = 1, final: StoreRead) {
        self.tickets = tickets
        self.buyers = buyers
        self.wants = wants
        self.final = final
        self.exits = Array(repeating: .exited(code: 0), count: buyers)
    }

    /// Appends one event of 0-based `buyer` at the next microsecond.
    mutating func step(_ buyer: Int, _ kind: EventKind, _ value: Int64 = 0, task: Int = 0, reason: ErrorReason? = nil) {
        clock += 1_000
        events.append(Event(tNs: clock, buyer: buyer, task: task, kind: kind, value: value, aux: reason?.rawValue ?? 0))
    }

    /// Appends one transactional event (key.read, key.write, txn.commit, …) of the counter.
    mutating func txn(_ buyer: Int, _ kind: EventKind, _ value: Int64 = 0, aux: Int32 = 0, task: Int = 0) {
        clock += 1_000
        events.append(Event(tNs: clock, buyer: buyer, task: task, kind: kind, value: value, aux: aux))
    }

    /// A whole unlocked purchase: search, read, write, bought.
    mutating func buys(_ buyer: Int, sawCount: Int64, task: Int = 0) {
        step(buyer, .searchRead, sawCount, task: task)
        step(buyer, .purchaseRead, sawCount, task: task)
        step(buyer, .purchaseWrite, sawCount - 1, task: task)
        step(buyer, .bought, sawCount - 1, task: task)
    }

    /// A search and purchase that found nothing left.
    mutating func soldOut(_ buyer: Int, task: Int = 0) {
        step(buyer, .searchRead, 0, task: task)
        step(buyer, .purchaseRead, 0, task: task)
        step(buyer, .soldOut, task: task)
    }

    var history: TrialHistory {
        TrialHistory(trial: 0, seed: 1, tickets: tickets, buyerNames: (0..<buyers).map { "b\($0 + 1)" },
                     wants: wants, events: events, exits: exits, timedOut: timedOut, finalRead: final,
                     startNs: 1_000, durationNs: clock)
    }
}
