import TicketRushModel

/// One transaction of a transactional history (docs/anomalies.md): an attempt of one buyer's
/// task, with what it read and wrote and how it ended.
public struct Txn: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case committed, aborted, unknown }

    /// A read or write of one key: the value and the version tag.
    public struct Access: Sendable, Equatable {
        public var key: UInt16
        public var value: Int64
        public var version: Int32
        /// Position of its event in the trial's log: the version order of writes.
        public var seq = 0

        public init(key: UInt16, value: Int64, version: Int32, seq: Int = 0) {
            self.key = key
            self.value = value
            self.version = version
            self.seq = seq
        }
    }

    /// A predicate read of a collection: the rows (their tags) it saw.
    public struct PredicateRead: Sendable, Equatable {
        public var collection: UInt16
        public var expected: Int64
        public var rows: [Int32]
    }

    /// 1-based, in the order of the transactions' first events.
    public var id: Int
    public var buyer: Int
    public var task: Int
    /// 0 for the task's first attempt, +1 after each abort.
    public var attempt: Int
    public var reads: [Access] = []
    public var writes: [Access] = []
    public var predicateReads: [PredicateRead] = []
    /// Rows inserted: key = collection, version = the row's tag.
    public var inserts: [Access] = []
    public var status = Status.unknown
    public var firstNs: UInt64
    public var endNs: UInt64

    /// The version this transaction left on `key`: its last write of it.
    public func finalWrite(of key: UInt16) -> Access? { writes.last { $0.key == key } }
}

/// The transactions of one trial, built from its events (interface: docs/events.md): a
/// transaction is (buyer, task, attempt); `txn.commit` commits it, `txn.abort` aborts it and
/// a later event of the task begins the next attempt; neither is unknown.
public struct TxnHistory: Sendable, Equatable {
    public var txns: [Txn]
    /// Why the history cannot be judged in full (missing versions): the verdict is then
    /// `unknown` where no anomaly was found, never `holds`.
    public var gaps: [String]

    /// Highest per-buyer write count of one key a tag can carry: tag = (buyer+1)*1024 + n.
    public static let maxWritesPerKey = 1023

    public init(txns: [Txn], gaps: [String] = []) {
        self.txns = txns
        self.gaps = gaps
    }

    public init(_ h: TrialHistory) {
        let why = h.program.isEmpty
            ? "the built-in buyer reports none where the store cannot say which version it read: atomic statements, Redis"
            : "a program adds \"version\" to its read and write lines, docs/programs.md"
        self.init(events: h.events, name: h.name, missing: why)
    }

    /// `missing` says why a task may lack its versions (who to ask for them).
    public init(events: [Event], name: (Int) -> String,
                missing: String = "a program adds \"version\" to its read and write lines, docs/programs.md") {
        var txns: [Txn] = []
        var open: [TaskRef: Int] = [:]
        var attempts: [TaskRef: Int] = [:]
        var gaps: [String] = []
        for (seq, e) in events.enumerated() where e.kind.isTransactional || e.kind == .bought || e.kind == .soldOut {
            let ref = e.ref
            // An outcome commits a transaction left open (a program that sends versions on its
            // read and write lines and no txn.commit: docs/programs.md); it opens none.
            if !e.kind.isTransactional {
                if let o = open[ref] {
                    txns[o].status = .committed
                    txns[o].endNs = e.tNs
                    open[ref] = nil
                }
                continue
            }
            let i: Int
            if let o = open[ref] {
                i = o
            } else {
                i = txns.count
                txns.append(Txn(id: i + 1, buyer: e.buyer, task: e.task, attempt: attempts[ref] ?? 0, firstNs: e.tNs, endNs: e.tNs))
                open[ref] = i
            }
            txns[i].endNs = e.tNs
            let access = Txn.Access(key: e.key, value: e.value, version: e.aux, seq: seq)
            switch e.kind {
            case .keyRead: txns[i].reads.append(access)
            case .keyWrite: txns[i].writes.append(access)
            case .predicateRead: txns[i].predicateReads.append(Txn.PredicateRead(collection: e.key, expected: e.value, rows: []))
            case .predicateRow:
                if txns[i].predicateReads.isEmpty {
                    gaps.append("\(name(e.buyer)) task \(e.task + 1) reported a predicate.row without its predicate.read")
                } else {
                    txns[i].predicateReads[txns[i].predicateReads.count - 1].rows.append(Int32(truncatingIfNeeded: e.value))
                }
            case .rowInsert: txns[i].inserts.append(access)
            case .txnCommit, .txnAbort:
                txns[i].status = e.kind == .txnCommit ? .committed : .aborted
                open[ref] = nil
                attempts[ref] = txns[i].attempt + 1
            default: break
            }
        }
        self.txns = txns
        self.gaps = gaps + Self.gaps(txns, events: events, name: name, missing: missing)
    }

    /// What the history lacks: tasks that ended without reporting a transaction, tags
    /// beyond what the formula carries, reads of versions no write installed.
    private static func gaps(_ txns: [Txn], events: [Event], name: (Int) -> String, missing: String) -> [String] {
        var out: [String] = []
        let reported = Set(txns.map { TaskRef(buyer: $0.buyer, task: $0.task) })
        for e in events where (e.kind == .bought || e.kind == .soldOut) && !reported.contains(e.ref) {
            out.append("\(name(e.buyer)) task \(e.task + 1) ended (\(e.kind.name)) without reporting its reads and writes with versions (key.read/key.write; \(missing))")
            break
        }
        for p in txns.flatMap(\.predicateReads) where Int64(p.rows.count) != p.expected {
            out.append("a predicate read of collection \(p.collection) saw \(p.expected) rows but reported \(p.rows.count)")
            break
        }
        var perBuyerKey: [Int: Int] = [:]
        var installed: [Int: Int] = [:]
        for t in txns {
            for w in t.writes {
                perBuyerKey[t.buyer << 16 | Int(w.key), default: 0] += 1
                installed[Int(w.key) << 32 | Int(UInt32(bitPattern: w.version)), default: 0] += 1
            }
        }
        if let over = perBuyerKey.first(where: { $0.value > maxWritesPerKey }) {
            out.append("\(name(over.key >> 16)) wrote key \(over.key & 0xffff) \(over.value) times: version tags carry at most \(maxWritesPerKey) per buyer and key")
        }
        if let dup = installed.first(where: { $0.value > 1 }) {
            out.append("version \(UInt32(truncatingIfNeeded: dup.key)) of key \(dup.key >> 32) was installed by \(dup.value) writes: tags must be distinct")
        }
        for t in txns {
            for r in t.reads where r.version != 0 && installed[Int(r.key) << 32 | Int(UInt32(bitPattern: r.version))] == nil {
                out.append("\(name(t.buyer)) task \(t.task + 1) read version \(r.version) of key \(r.key), which no reported write installed")
                return out
            }
        }
        return out
    }
}
