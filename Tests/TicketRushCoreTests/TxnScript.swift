import TicketRushModel
import TicketRushChecks

/// Hand-written transactional histories: each transaction is one buyer's task 0 (or a
/// later task), its events appended in the order the test calls them.
struct TxnScript {
    private(set) var events: [Event] = []
    /// Per (buyer, key): writes so far, for the tag formula (buyer + 1) * 1024 + n.
    private var writes: [Int: Int] = [:]
    private var clock: UInt64 = 1_000

    private mutating func add(_ b: Int, _ kind: EventKind, key: UInt16 = 0, value: Int64 = 0, aux: Int32 = 0, task: Int = 0) {
        clock += 1_000
        events.append(Event(tNs: clock, buyer: b, task: task, kind: kind, value: value, aux: aux, key: key))
    }

    mutating func read(_ b: Int, _ key: UInt16, _ version: Int32, task: Int = 0) {
        add(b, .keyRead, key: key, value: 1, aux: version, task: task)
    }

    /// Writes `key`; returns the tag it installs.
    @discardableResult
    mutating func write(_ b: Int, _ key: UInt16, task: Int = 0) -> Int32 {
        let n = writes[b << 16 | Int(key), default: 0] + 1
        writes[b << 16 | Int(key)] = n
        let tag = Int32((b + 1) * 1024 + n)
        add(b, .keyWrite, key: key, value: 1, aux: tag, task: task)
        return tag
    }

    mutating func predicate(_ b: Int, _ collection: UInt16, rows: [Int32], task: Int = 0) {
        add(b, .predicateRead, key: collection, value: Int64(rows.count), task: task)
        for r in rows { add(b, .predicateRow, key: collection, value: Int64(r), task: task) }
    }

    @discardableResult
    mutating func insert(_ b: Int, _ collection: UInt16, task: Int = 0) -> Int32 {
        let n = writes[b << 16 | Int(collection) | 1 << 40, default: 0] + 1
        writes[b << 16 | Int(collection) | 1 << 40] = n
        let tag = Int32((b + 1) * 1024 + n)
        add(b, .rowInsert, key: collection, value: Int64(b), aux: tag, task: task)
        return tag
    }

    mutating func commit(_ b: Int, task: Int = 0) { add(b, .txnCommit, task: task) }
    mutating func abort(_ b: Int, task: Int = 0) { add(b, .txnAbort, aux: RetryReason.conflict.rawValue, task: task) }
    mutating func outcome(_ b: Int, _ kind: EventKind = .bought, task: Int = 0) { add(b, kind, task: task) }

    var txns: TxnHistory { TxnHistory(events: events, name: { "b\($0 + 1)" }) }

    func analysis(_ wanted: [Anomaly] = Anomaly.allCases) -> AnomalyAnalysis { AnomalyAnalysis(txns, wanted: wanted) }

    func found(_ wanted: [Anomaly] = Anomaly.allCases) -> Set<Anomaly> { Set(analysis(wanted).found.map(\.anomaly)) }

    func history(buyers: Int) -> TrialHistory {
        TrialHistory(trial: 0, seed: 1, tickets: 10, buyerNames: (0..<buyers).map { "b\($0 + 1)" }, wants: 1, events: events,
                     exits: Array(repeating: .exited(code: 0), count: buyers), finalRead: .count(0), startNs: 1_000, durationNs: clock)
    }
}
