import TicketRushModel

/// What the anomaly checker found in one history: every anomaly asked about that it found
/// (shortest cycle each), and why what it did not find may still be there.
public struct AnomalyAnalysis: Sendable, Equatable {
    public var found: [AnomalyFinding]
    public var gaps: [String]

    /// Judges `history` for the anomalies in `wanted` (in `Anomaly` order).
    public init(_ history: TxnHistory, wanted: [Anomaly] = Anomaly.allCases, budget: Int = 20_000_000) {
        let graph = DependencyGraph(history)
        var search = CycleSearch(graph, budget: budget)
        var found: [AnomalyFinding] = []
        for a in wanted.sorted() {
            switch a {
            case .g1a, .g1b:
                // The first read of the class; reads of one kind are alike.
                if let f = graph.reads.first(where: { $0.anomaly == a }) { found.append(f) }
            default:
                if let f = search.shortest(a) { found.append(f) }
            }
        }
        var gaps = history.gaps
        if let u = graph.undecided.first {
            let t = history.txns[u]
            gaps.append("T\(t.id) (buyer #\(t.buyer + 1), task \(t.task + 1)) wrote but reported no outcome, and nobody read its writes: whether they committed is unknown")
        }
        if search.exhausted { gaps.append("the cycle search stopped at its bound of \(budget) steps") }
        self.found = found
        self.gaps = gaps
    }
}

/// `serializable`, `snapshot-isolation`, `repeatable-read`, `read-committed`: no anomaly the
/// model forbids; and each anomaly by name (`lost-update`, …). Violated by a found anomaly
/// (a cycle among transactions that committed stands whatever else is missing); with nothing
/// found and versions missing, unknown with the reason.
public struct AnomalyChecker: Checker {
    public let invariant: Invariant
    /// The trial's analysis when already made for every anomaly judged (`Invariant.judge`).
    let shared: AnomalyAnalysis?
    public init(_ invariant: Invariant) { self.init(invariant, shared: nil) }
    init(_ invariant: Invariant, shared: AnomalyAnalysis?) {
        self.invariant = invariant
        self.shared = shared
    }

    public var violationSurvivesGaps: Bool { true }
    public var needsAttribution: Bool { true }

    /// The anomalies this invariant judges.
    public var wanted: [Anomaly] {
        if let m = invariant.model { return m.forbids }
        return invariant.anomaly.map { [$0] } ?? []
    }

    public func check(_ h: TrialHistory) throws -> CheckResult {
        var analysis = shared ?? AnomalyAnalysis(TxnHistory(h), wanted: wanted)
        analysis.found = analysis.found.filter { wanted.contains($0.anomaly) }
        let evidence = Evidence.anomalies(found: analysis.found, gaps: analysis.gaps)
        if let first = analysis.found.first {
            let blamed = first.txns.map { TaskRef(buyer: $0.buyer, task: $0.task) }
            return result(.violated, evidence, blamed: blamed, h)
        }
        return result(analysis.gaps.isEmpty ? .holds : .unknown, evidence, h)
    }
}

extension Invariant {
    /// Judges every invariant of a trial; the isolation models and anomalies share one
    /// analysis (one graph, one search per anomaly class) however many of them are judged.
    public static func judge(_ invariants: [Invariant], _ h: TrialHistory) -> [CheckResult] {
        let wanted = Set(invariants.flatMap { AnomalyChecker($0).wanted })
        let shared = wanted.isEmpty ? nil : AnomalyAnalysis(TxnHistory(h), wanted: Array(wanted))
        return invariants.map { i in i.isTransactional ? AnomalyChecker(i, shared: shared).judge(h) : i.checker.judge(h) }
    }
}
