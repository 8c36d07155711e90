import TicketRushModel

/// One edge of the direct serialization graph, as evidence keeps it.
public struct Dependency: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// `to` installed the version of `key` right after `from`'s.
        case ww
        /// `to` read the version `from` installed (or saw the row `from` inserted).
        case wr
        /// `from` read a version `to` replaced with the next one (item anti-dependency).
        case rw
        /// `from`'s predicate read did not see the row `to` inserted (predicate anti-dependency).
        case predicateRW = "predicate-rw"
    }

    /// Transaction ids (`Txn.id`).
    public var from: Int
    public var to: Int
    public var kind: Kind
    /// The key, or the collection of a predicate edge.
    public var key: UInt16
    /// ww: from's version, to's; wr: the version written and read; rw: the version read,
    /// the next one; predicate: 0 and the row's tag.
    public var fromVersion: Int32
    public var toVersion: Int32
    /// rw only: both ends read the same version of `key` and both wrote it (lost update).
    public var lostUpdate = false
}

/// The direct serialization graph of a transactional history (Adya): committed transactions,
/// and unknown ones whose writes someone read (they must have committed), as nodes.
public struct DependencyGraph: Sendable {
    public let history: TxnHistory
    /// Indexed by position in `history.txns`; out-edges use positions too (`Dependency`
    /// keeps ids for evidence).
    public private(set) var edges: [[(to: Int, dep: Dependency)]]
    public private(set) var included: [Bool]
    /// Non-cycle anomalies found while building (G1a, G1b).
    public private(set) var reads: [AnomalyFinding] = []
    /// Unknown transactions left out whose writes nobody read: they may have committed.
    public private(set) var undecided: [Int] = []
    /// For each key, its versions in order (tag, position of the writer), 0 first.
    public private(set) var versionOrder: [UInt16: [(tag: Int32, writer: Int?)]] = [:]

    public init(_ history: TxnHistory) {
        self.history = history
        let txns = history.txns
        edges = Array(repeating: [], count: txns.count)
        included = txns.map { $0.status == .committed }
        var writerOf: [UInt64: Int] = [:]
        var insertOf: [UInt64: Int] = [:]
        for (i, t) in txns.enumerated() {
            for w in t.writes { writerOf[Self.slot(w.key, w.version)] = i }
            for r in t.inserts { insertOf[Self.slot(r.key, r.version)] = i }
        }
        // An unknown transaction whose version a committed one read did commit.
        for (i, t) in txns.enumerated() where t.status == .committed {
            for r in t.reads { if let w = writerOf[Self.slot(r.key, r.version)], w != i, txns[w].status == .unknown { included[w] = true } }
            for p in t.predicateReads { for row in p.rows { if let w = insertOf[Self.slot(p.collection, row)], txns[w].status == .unknown { included[w] = true } } }
        }
        undecided = txns.indices.filter { txns[$0].status == .unknown && !included[$0] && !(txns[$0].writes.isEmpty && txns[$0].inserts.isEmpty) }
        buildVersionOrder()
        addItemEdges(writerOf: writerOf)
        addPredicateEdges(insertOf: insertOf)
    }

    static func slot(_ key: UInt16, _ version: Int32) -> UInt64 { UInt64(key) << 32 | UInt64(UInt32(bitPattern: version)) }

    /// Version order per key: the included transactions' last writes in log order (the
    /// interface's order: the grant order under a controlled schedule).
    private mutating func buildVersionOrder() {
        var order: [UInt16: [(tag: Int32, writer: Int?, at: Int)]] = [:]
        for (i, t) in history.txns.enumerated() where included[i] {
            var seen = Set<UInt16>()
            for w in t.writes.reversed() where seen.insert(w.key).inserted {
                order[w.key, default: []].append((w.version, i, w.seq))
            }
        }
        for (key, list) in order {
            versionOrder[key] = [(0, nil)] + list.sorted { $0.at < $1.at }.map { ($0.tag, $0.writer) }
        }
    }

    private mutating func add(_ from: Int, _ to: Int, _ dep: Dependency) {
        guard from != to, included[from], included[to] else { return }
        edges[from].append((to, dep))
    }

    private mutating func addItemEdges(writerOf: [UInt64: Int]) {
        let txns = history.txns
        var position: [UInt64: Int] = [:]
        for (key, versions) in versionOrder {
            for (p, v) in versions.enumerated() { position[Self.slot(key, v.tag)] = p }
            for p in versions.indices.dropFirst(2) {
                guard let a = versions[p - 1].writer, let b = versions[p].writer else { continue }
                add(a, b, Dependency(from: txns[a].id, to: txns[b].id, kind: .ww, key: key, fromVersion: versions[p - 1].tag, toVersion: versions[p].tag))
            }
        }
        // Who read which version of a key and also wrote it: the lost-update groups.
        var readWriters: [UInt64: Set<Int>] = [:]
        for (i, t) in txns.enumerated() where included[i] {
            for r in t.reads where t.writes.contains(where: { $0.key == r.key }) { readWriters[Self.slot(r.key, r.version), default: []].insert(i) }
        }
        for (i, t) in txns.enumerated() where t.status == .committed {
            for r in t.reads {
                let s = Self.slot(r.key, r.version)
                if r.version != 0, let w = writerOf[s], w != i {
                    if txns[w].status == .aborted { reads.append(.read(.g1a, writer: txns[w], reader: t, r)) }
                    else if txns[w].finalWrite(of: r.key)?.version != r.version { reads.append(.read(.g1b, writer: txns[w], reader: t, r)) }
                    else { add(w, i, Dependency(from: txns[w].id, to: t.id, kind: .wr, key: r.key, fromVersion: r.version, toVersion: r.version)) }
                }
                guard let p = position[s], let versions = versionOrder[r.key], p + 1 < versions.count, let next = versions[p + 1].writer else { continue }
                let lost = (readWriters[s]?.count ?? 0) > 1 && readWriters[s]!.contains(i) && readWriters[s]!.contains(next)
                add(i, next, Dependency(from: t.id, to: txns[next].id, kind: .rw, key: r.key, fromVersion: r.version,
                                        toVersion: versions[p + 1].tag, lostUpdate: lost))
            }
        }
    }

    private mutating func addPredicateEdges(insertOf: [UInt64: Int]) {
        let txns = history.txns
        for (i, t) in txns.enumerated() where t.status == .committed {
            for p in t.predicateReads {
                let seen = Set(p.rows)
                for row in p.rows {
                    guard let w = insertOf[Self.slot(p.collection, row)], w != i else { continue }
                    if txns[w].status == .aborted {
                        reads.append(.read(.g1a, writer: txns[w], reader: t, Txn.Access(key: p.collection, value: 0, version: row)))
                    } else {
                        add(w, i, Dependency(from: txns[w].id, to: t.id, kind: .wr, key: p.collection, fromVersion: row, toVersion: row))
                    }
                }
                for (w, other) in txns.enumerated() where w != i && included[w] {
                    for insert in other.inserts where insert.key == p.collection && !seen.contains(insert.version) {
                        add(i, w, Dependency(from: t.id, to: other.id, kind: .predicateRW, key: p.collection, fromVersion: 0, toVersion: insert.version))
                    }
                }
            }
        }
    }
}
