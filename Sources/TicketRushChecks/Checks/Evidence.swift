import TicketRushModel

/// What a checker saw, as values: a renderer can name and highlight the steps without
/// parsing prose. Event times in evidence are nanoseconds since the start barrier.
public enum Evidence: Sendable, Codable, Equatable {
    /// no-oversell: the purchases reported against the tickets, with the first
    /// `Evidence.kept` of their `bought` events.
    case sales(tickets: Int, sold: Int, bought: [Event], indeterminate: Int)
    /// conservation: tickets − final count against the purchases reported; `sameValue` is
    /// a pair of writes of one count, the clearest picture of a lost update.
    case conservation(tickets: Int, finalCount: Int, bought: Int, indeterminate: Int, sameValue: [Event])
    /// The final document could not be read, so the stored count is not known.
    case finalUnreadable(StoreRead)
    /// no-torn-read: the unparsable reads (the first few), how many in all, by how many
    /// buyers, and the last write begun before the first of them.
    case tornReads(first: [Event], total: Int, readers: Int, lastWriteBefore: Event?)
    /// one-outcome: tasks with other than one outcome, and buyers that stopped early.
    case outcomes(tasks: Int, miscounted: [TaskCount], unfinished: [BuyerTasks])
    /// all-finished: the buyers that did not exit 0, and whether the trial timed out.
    case exits(buyers: Int, unclean: [BuyerEnd], timedOut: Bool, durationNs: UInt64)
    /// no-undersell: demand against tickets, the final count, the first failed task.
    case undersell(demand: Int, tickets: Int, finalCount: Int, firstError: Event?)
    /// no-deadlock: who waited on which lock since when, who held it and how it ended,
    /// and (with nobody waiting) which buyers were unfinished after which step; `waits`: what
    /// the runner saw of a whole program judged deadlocked with nobody on the gate's lock.
    case deadlock(timedOut: Bool, durationNs: UInt64, lock: String, blocked: [Event], holders: [Holder], unfinished: [BuyerStep],
                  waits: String? = nil)
    /// The isolation models and anomalies (docs/anomalies.md): each anomaly found with its
    /// shortest cycle, and why what was not found may still be there (missing versions).
    case anomalies(found: [AnomalyFinding], gaps: [String])
    /// The history is partial, and this invariant needs all of it.
    case incomplete([Incompleteness])
    /// The checker itself failed (a bug): never a verdict about the system.
    case checkerFailed(String)
    /// The invariant does not apply to this storage (no-torn-read on a database): the
    /// verdict is `unknown`, and reports show it as not applicable (JUnit `<skipped>`).
    case notApplicable(String)
    /// no-double-booking: the first seat (0-based; -1 none) two buyers reported buying, their
    /// `bought` events, and the buyer the store holds it for (-1 free, nil unread).
    case doubleBooking(seat: Int, seats: Int, buyers: [Event], owner: Int?)
    /// customer-limit: the customer over the limit (or, holding, the one holding most),
    /// what the store holds for it over all sections, its purchases reported.
    case customerLimit(customer: Int, limit: Int, held: Int, bought: [Event])
    /// capacity: the booking rows the store holds and the purchases reported.
    case capacity(capacity: Int, rows: Int, bought: [Event])
    /// serializable, on a session case: what each step returned and which serial order of
    /// the committed transactions explains it (or why none does).
    case serialization(SessionEvidence)
    /// no-anomaly, on a session case: the steps, and the `anomaly_if` entry the run matched.
    case caseEffect(steps: [String], seen: String?, stuck: String?)

    /// A task with the wrong number of outcomes.
    public struct TaskCount: Sendable, Codable, Equatable {
        public var task: TaskRef
        public var outcomes: Int
    }

    /// A buyer that ended its tasks early without a sold-out.
    public struct BuyerTasks: Sendable, Codable, Equatable {
        public var buyer: Int
        public var withOutcome: Int
        public var wants: Int
    }

    /// How one buyer process ended.
    public struct BuyerEnd: Sendable, Codable, Equatable {
        public var buyer: Int
        public var exit: BuyerExit
        /// The error that explains the exit, when the runner knows one: a program buyer's
        /// `exec failed` (its errno in the value).
        public var cause: Event? = nil
    }

    /// The last step an unfinished buyer reported (nil: none).
    public struct BuyerStep: Sendable, Codable, Equatable {
        public var buyer: Int
        public var last: EventKind?
    }

    /// A buyer that held the lock at the end.
    public struct Holder: Sendable, Codable, Equatable {
        public enum State: Sendable, Codable, Equatable {
            case killed(atNs: UInt64)
            case stalled(atNs: UInt64)
            case died(BuyerExit)
            case running
        }

        /// Its `lock.acquired` event.
        public var acquired: Event
        public var state: State
    }

    /// Most events or tasks a piece of evidence lists: enough to read and draw, bounded so
    /// a 10,000-buyer oversell does not put 10,000 events in every trial's record.
    public static let kept = 100

    /// How bad it was, for picking the worst trial (e.g. tickets oversold).
    public var severity: Int {
        switch self {
        case .sales(let tickets, let sold, _, _): return max(sold - tickets, 0)
        case .conservation(let tickets, let final, let bought, _, _): return abs((tickets - final) - bought)
        case .tornReads(_, let total, _, _): return total
        case .outcomes(_, let miscounted, let unfinished): return miscounted.count + unfinished.count
        case .exits(_, let unclean, let timedOut, _): return timedOut ? max(unclean.count, 1) : unclean.count
        case .undersell(_, _, let final, _): return final
        case .deadlock(_, _, _, let blocked, _, let unfinished, _): return blocked.isEmpty ? max(unfinished.count, 1) : blocked.count
        case .doubleBooking(_, _, let buyers, _): return buyers.count / 2
        case .customerLimit(_, let limit, let held, let bought): return max(max(held, bought.count) - limit, 0)
        case .capacity(let capacity, let rows, let bought): return max(max(rows, bought.count) - capacity, 0)
        case .serialization(let e): return e.explainedBy == nil && e.stuck == nil ? 1 : 0
        case .caseEffect(_, let seen, _): return seen == nil ? 0 : 1
        case .anomalies(let found, _): return found.count
        case .finalUnreadable, .incomplete, .checkerFailed, .notApplicable: return 0
        }
    }
}

/// One run of a session case, as evidence: its steps as they finished, and the verdict of
/// the serial replays (SerialOracle).
public struct SessionEvidence: Sendable, Codable, Equatable {
    /// `T1.2 UPDATE … → 1 row` lines, in the order the steps finished.
    public var steps: [String]
    /// The committed transactions, by their first step (`T1.1`).
    public var committed: [String]
    /// The serial order that returns the same rows (`T1.1 → T2.1`), when one does.
    public var explainedBy: String?
    /// How the engine kept the run serializable (isolation.csv's `how`), when it did.
    public var how: String?
    /// Per serial order tried and failed: the first step that returned otherwise.
    public var mismatches: [String]
    /// Why the run could not finish (a blocked session's step came next), or nil.
    public var stuck: String?

    public init(steps: [String], committed: [String], explainedBy: String?, how: String?, mismatches: [String], stuck: String?) {
        self.steps = steps
        self.committed = committed
        self.explainedBy = explainedBy
        self.how = how
        self.mismatches = mismatches
        self.stuck = stuck
    }
}
