import TicketRushModel

/// One judged trial, in the form every output is made from (CSV, JSON, JUnit, HTML) and
/// shards carry to `merge`: typed, Codable, independent of the process that ran it.
public struct TrialRecord: Codable, Sendable, Equatable {
    /// A trial's events, kept for the HTML timeline of a cell's first failing trial.
    public struct Timeline: Codable, Sendable, Equatable {
        public var buyers: [String]
        /// Every event, its time counted from the start barrier.
        public var events: [Event]
    }

    /// The cell's full name (`NAME[…]`, or the plain scenario's name).
    public var scenario: String
    /// 0-based.
    public var trial: Int
    public var seed: UInt64
    public var sold: Int
    /// The document as the runner read it after the trial.
    public var finalRead: StoreRead
    public var tornReads: Int
    public var durationNs: UInt64
    public var timedOut: Bool
    /// Why the history may be partial (empty: complete).
    public var incomplete: [Incompleteness]
    public var results: [CheckResult]
    /// Per purchase: first event of the task to `bought`.
    public var latenciesNs: [UInt64]
    /// Summed over every lock acquisition of the trial.
    public var lockWaitNs: UInt64
    public var lockHoldNs: UInt64
    public var lockAcquisitions: Int
    /// Each acquisition's wait, in event order (nil in records of older builds).
    public var lockWaitsNs: [UInt64]?
    /// Waits that never acquired: cut off by the timeout or the waiter's death. Each is the
    /// wait so far, a lower bound of what it would have been (a censored observation).
    public var censoredWaitsNs: [UInt64]?
    /// Retries: optimistic (`purchase.retry`) and the database engines' (`store.retry`).
    public var retries: Int?
    /// The retries by reason (`RetryReason.name`; optimistic's own: "conflict"), so the
    /// summary can say why purchases retried (nil in records of older builds).
    public var retryReasons: [String: Int]?
    public var timeline: Timeline?
    /// Under a controlled schedule: the schedule string that replays this trial.
    public var schedule: String?
    /// On a controlled cell's last record: what the exploration covered and found.
    public var exploration: ScheduleSummary?
    /// Databases: the engines' own messages (errors with their SQLSTATE), if any.
    public var engineMessages: [String]?
    /// A session case with `case:`, on the cell's last record: its row of isolation.csv.
    public var isolation: IsolationRow?
    /// Under syscall control: why this schedule ran again with every descriptor call held
    /// (the program copied a store descriptor where the ranged filter does not look).
    public var fullControl: String?

    public init(history h: TrialHistory, scenario: String, results: [CheckResult], keepTimeline: Bool) {
        self.scenario = scenario
        trial = h.trial
        seed = h.seed
        sold = h.purchases.count
        finalRead = h.finalRead
        tornReads = h.tornReads.count
        durationNs = h.durationNs
        timedOut = h.timedOut
        incomplete = h.incomplete
        self.results = results
        latenciesNs = h.operations.compactMap { op in
            guard op.completion == .ok, let done = op.completeNs, done >= op.invokeNs else { return nil }
            return done - op.invokeNs
        }
        var waitNs: UInt64 = 0, holdNs: UInt64 = 0, acquisitions = 0, retried = 0
        var waits: [UInt64] = [], censored: [UInt64] = [], reasons: [String: Int] = [:]
        var waitingSince: [Int: UInt64] = [:], holdingSince: [Int: UInt64] = [:]
        for e in h.events {
            switch e.kind {
            case .lockWait: waitingSince[e.buyer] = e.tNs
            case .lockAcquired:
                if let t = waitingSince.removeValue(forKey: e.buyer), e.tNs >= t {
                    waitNs += e.tNs - t
                    waits.append(e.tNs - t)
                }
                holdingSince[e.buyer] = e.tNs
                acquisitions += 1
            case .lockReleased:
                if let t = holdingSince.removeValue(forKey: e.buyer), e.tNs >= t { holdNs += e.tNs - t }
            // The task ended (the runner closes a dead or timed-out buyer's task with an
            // error) or the buyer was killed while it waited: the wait is censored there.
            case .error, .faultKill, .done:
                if let t = waitingSince.removeValue(forKey: e.buyer), e.tNs >= t { censored.append(e.tNs - t) }
            case .purchaseRetry:
                retried += 1
                reasons[RetryReason.conflict.name, default: 0] += 1
            case .storeRetry:
                retried += 1
                reasons[RetryReason(rawValue: e.aux)?.name ?? "reason \(e.aux)", default: 0] += 1
            default: break
            }
        }
        // Still waiting when the events end (the runner's kill left no event): cut off at the end.
        let end = h.events.map(\.tNs).max() ?? 0
        for t in waitingSince.values.sorted() where end >= t { censored.append(end - t) }
        lockWaitsNs = waits
        censoredWaitsNs = censored
        retries = retried
        retryReasons = reasons.isEmpty ? nil : reasons
        lockWaitNs = waitNs
        lockHoldNs = holdNs
        lockAcquisitions = acquisitions
        // One line each: libpq's "…\n\tIs the server running…" would print as a `\u0009` escape.
        let messages = h.engineMessages.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        engineMessages = messages.isEmpty ? nil : messages
        timeline = keepTimeline ? Timeline(buyers: h.buyerNames, events: h.events.map(h.relative)) : nil
        fullControl = h.fullControl
    }

    /// True when some invariant was not plainly held (violated or unknown).
    public var failed: Bool { results.contains { $0.isProblem } }

    /// The trial's verdicts composed: the worst of them.
    public var verdict: Verdict { Verdict.compose(results.map(\.verdict)) }

    /// The result for `invariant`, if it was judged.
    public func result(_ invariant: Invariant) -> CheckResult? { results.first { $0.invariant == invariant } }
}

/// One row of isolation.csv (docs/isolation.md): what a session case showed on one engine
/// at one isolation level, from its runs' verdicts.
public struct IsolationRow: Codable, Sendable, Equatable {
    public var engine: String
    public var version: String
    public var isolation: String
    /// As Hermitage's columns spell it (G0, G1a, P4, G-single, …).
    public var caseName: String
    /// `anomaly`, `prevented`, or `unknown` (a run could not finish, or the search stopped short).
    public var outcome: String
    /// How the runs were kept serializable (`blocked`, `serialization failure`, `deadlock`,
    /// `result`), distinct values joined by "+"; empty for an anomaly.
    public var how: String

    public init(engine: String, version: String, isolation: String, caseName: String, outcome: String, how: String) {
        self.engine = engine
        self.version = version
        self.isolation = isolation
        self.caseName = caseName
        self.outcome = outcome
        self.how = how
    }
}
