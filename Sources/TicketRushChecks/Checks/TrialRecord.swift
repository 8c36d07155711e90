import TicketRushModel
/// What one trial came to, in the form every output is made from (CSV, JSON, JUnit, HTML)
/// and shards carry to `merge`: small, Codable, independent of the process that ran it.
public struct TrialRecord: Codable, Sendable, Equatable {
    /// One invariant's verdict with its evidence.
    public struct Result: Codable, Sendable, Equatable {
        public var invariant: String
        public var verdict: String
        public var summary: String
        public var details: [String]
        public var severity: Int
    }

    /// A trial's events, kept for the HTML timeline of a cell's first failing trial.
    public struct Timeline: Codable, Sendable, Equatable {
        public var buyers: [String]
        /// [ns since the barrier, buyer, task, kind code, value] per event.
        public var events: [[Int64]]
    }

    /// The cell's full name (`NAME[…]`, or the plain scenario's name).
    public var scenario: String
    /// 0-based.
    public var trial: Int
    public var seed: UInt64
    public var sold: Int
    public var finalCount: Int?
    public var finalTornBytes: Int?
    public var finalErrno: Int32?
    public var tornReads: Int
    public var durationNs: UInt64
    public var timedOut: Bool
    public var results: [Result]
    /// Per purchase: first event of the task to `bought`.
    public var latenciesNs: [UInt64]
    /// Summed over every lock acquisition of the trial.
    public var lockWaitNs: UInt64
    public var lockHoldNs: UInt64
    public var lockAcquisitions: Int
    public var timeline: Timeline?

    public init(history h: TrialHistory, scenario: String, results: [CheckResult], keepTimeline: Bool) {
        self.scenario = scenario
        trial = h.trial
        seed = h.seed
        sold = h.purchases.count
        switch h.finalRead {
        case .count(let c): finalCount = c
        case .torn(let bytes): finalTornBytes = bytes
        case .failed(let code): finalErrno = code
        }
        tornReads = h.tornReads.count
        durationNs = h.durationNs
        timedOut = h.timedOut
        self.results = results.map {
            Result(invariant: $0.invariant.rawValue, verdict: $0.verdict.rawValue, summary: $0.summary, details: $0.details, severity: $0.severity)
        }
        latenciesNs = h.operations.compactMap { op in
            guard op.completion == .ok, let done = op.completeNs, done >= op.invokeNs else { return nil }
            return done - op.invokeNs
        }
        var waitNs: UInt64 = 0, holdNs: UInt64 = 0, acquisitions = 0
        var waitingSince: [Int: UInt64] = [:], holdingSince: [Int: UInt64] = [:]
        for e in h.events {
            switch e.kind {
            case .lockWait: waitingSince[e.buyer] = e.tNs
            case .lockAcquired:
                if let t = waitingSince.removeValue(forKey: e.buyer), e.tNs >= t { waitNs += e.tNs - t }
                holdingSince[e.buyer] = e.tNs
                acquisitions += 1
            case .lockReleased:
                if let t = holdingSince.removeValue(forKey: e.buyer), e.tNs >= t { holdNs += e.tNs - t }
            default: break
            }
        }
        lockWaitNs = waitNs
        lockHoldNs = holdNs
        lockAcquisitions = acquisitions
        timeline = keepTimeline ? Timeline(buyers: h.buyerNames, events: h.events.map {
            [Int64(bitPattern: $0.tNs &- h.startNs), Int64($0.buyer), Int64($0.task), Int64($0.kind.rawValue), $0.value]
        }) : nil
    }

    /// True when some invariant was not plainly held (violated or unknown).
    public var failed: Bool { results.contains { $0.verdict != Verdict.holds.rawValue } }

    public var finalRead: StoreRead {
        if let finalCount { return .count(finalCount) }
        if let finalTornBytes { return .torn(bytes: finalTornBytes) }
        return .failed(errno: finalErrno ?? 0)
    }

    /// The verdicts as the checkers gave them.
    public var checkResults: [CheckResult] {
        results.compactMap { r in
            guard let invariant = Invariant(rawValue: r.invariant), let verdict = Verdict(rawValue: r.verdict) else { return nil }
            return CheckResult(invariant: invariant, verdict: verdict, summary: r.summary, details: r.details, severity: r.severity)
        }
    }
}
