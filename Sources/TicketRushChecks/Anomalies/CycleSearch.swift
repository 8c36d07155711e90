import TicketRushModel

/// A transaction as evidence names it.
public struct TxnLabel: Sendable, Codable, Equatable {
    public var id: Int
    public var buyer: Int
    public var task: Int
    public var attempt: Int
    public var status: Txn.Status

    init(_ t: Txn) {
        id = t.id
        buyer = t.buyer
        task = t.task
        attempt = t.attempt
        status = t.status
    }
}

/// One anomaly found: its class, the transactions involved, and the dependencies that show
/// it (a cycle, or for G1a/G1b the one read).
public struct AnomalyFinding: Sendable, Codable, Equatable {
    public var anomaly: Anomaly
    public var txns: [TxnLabel]
    /// A cycle: each step's `to` is the next step's `from`, the last's `to` the first's `from`.
    public var steps: [Dependency]

    static func read(_ a: Anomaly, writer: Txn, reader: Txn, _ r: Txn.Access) -> AnomalyFinding {
        AnomalyFinding(anomaly: a, txns: [TxnLabel(writer), TxnLabel(reader)],
                       steps: [Dependency(from: writer.id, to: reader.id, kind: .wr, key: r.key, fromVersion: r.version, toVersion: r.version)])
    }
}

/// The shortest cycle of each anomaly class, by breadth-first search over (transaction,
/// class state) from every transaction left on a cycle. Bounded: past `budget` edge visits
/// the search stops and says so (the verdict is then unknown, never holds).
public struct CycleSearch {
    public let graph: DependencyGraph
    public var budget: Int
    public private(set) var exhausted = false
    /// Positions that can lie on a cycle at all (peeled of sources and sinks).
    private let cyclic: [Bool]

    public init(_ graph: DependencyGraph, budget: Int = 20_000_000) {
        self.graph = graph
        self.budget = budget
        cyclic = Self.peel(graph)
    }

    /// What a class's search counts along a path: `step` gives the next state, nil when the
    /// edge may not be taken; `accepts` says whether a cycle ending in this state is of the class.
    struct Rule {
        var step: (Int, Dependency) -> Int?
        var accepts: (Int) -> Bool
    }

    static func rule(_ a: Anomaly) -> Rule? {
        switch a {
        case .g0: return Rule(step: { s, d in d.kind == .ww ? s : nil }, accepts: { _ in true })
        case .g1c: return Rule(step: { s, d in d.kind == .ww ? s : d.kind == .wr ? 1 : nil }, accepts: { $0 == 1 })
        case .gSingle:
            return Rule(step: { s, d in
                switch d.kind {
                case .ww, .wr: return s
                case .rw: return s == 0 && !d.lostUpdate ? 1 : nil
                case .predicateRW: return nil
                }
            }, accepts: { $0 == 1 })
        case .g2Item:
            return Rule(step: { s, d in d.kind == .predicateRW ? nil : d.kind == .rw ? min(s + 1, 2) : s }, accepts: { $0 == 2 })
        case .g2: return Rule(step: { s, d in d.kind == .predicateRW ? 1 : s }, accepts: { $0 == 1 })
        case .g1a, .g1b, .lostUpdate: return nil
        }
    }

    /// The shortest simple cycle of class `a`, or nil.
    public mutating func shortest(_ a: Anomaly) -> AnomalyFinding? {
        if a == .lostUpdate { return lostUpdate() }
        guard let rule = Self.rule(a) else { return nil }
        var best: [Dependency]?
        for s in graph.edges.indices where cyclic[s] && !exhausted {
            guard let cycle = search(from: s, rule, shorterThan: best?.count ?? Int.max) else { continue }
            best = cycle
            if cycle.count == 2 { break }
        }
        return best.map { finding(a, $0) }
    }

    private mutating func search(from s: Int, _ rule: Rule, shorterThan limit: Int) -> [Dependency]? {
        // States are (position, class state); parents keep the path back.
        var parent: [Int: (state: Int, dep: Dependency)] = [:]
        var frontier = [s * 4]
        var depth = 0
        while !frontier.isEmpty, depth + 1 < limit {
            depth += 1
            var next: [Int] = []
            for state in frontier {
                for (to, dep) in graph.edges[state / 4] where cyclic[to] {
                    budget -= 1
                    if budget < 0 { exhausted = true; return nil }
                    guard let c = rule.step(state % 4, dep) else { continue }
                    let target = to * 4 + c
                    if to == s {
                        guard rule.accepts(c) else { continue }
                        var path = [dep]
                        var at = state
                        while at != s * 4, let p = parent[at] { path.append(p.dep); at = p.state }
                        path.reverse()
                        if Set(path.map(\.from)).count == path.count { return path }
                        continue
                    }
                    if parent[target] != nil || target == s * 4 { continue }
                    parent[target] = (state, dep)
                    next.append(target)
                }
            }
            frontier = next
        }
        return nil
    }

    /// P4: two transactions read the same version of a key and both wrote it. The cycle:
    /// the later writer's rw edge to the version after the one read, then ww edges back to it.
    private func lostUpdate() -> AnomalyFinding? {
        var best: [Dependency]?
        for from in graph.edges.indices {
            for (to, dep) in graph.edges[from] where dep.kind == .rw && dep.lostUpdate {
                guard let chain = wwChain(from: to, to: from, key: dep.key) else { continue }
                let cycle = [dep] + chain
                if best == nil || cycle.count < best!.count { best = cycle }
            }
        }
        return best.map { finding(.lostUpdate, $0) }
    }

    /// The ww edges on `key` from `a` forward to `b`, if `b` installs a later version.
    private func wwChain(from a: Int, to b: Int, key: UInt16) -> [Dependency]? {
        var path: [Dependency] = []
        var at = a
        while at != b {
            guard let e = graph.edges[at].first(where: { $0.dep.kind == .ww && $0.dep.key == key }), path.count <= graph.edges.count else { return nil }
            path.append(e.dep)
            at = e.to
        }
        return path
    }

    private func finding(_ a: Anomaly, _ cycle: [Dependency]) -> AnomalyFinding {
        let byID = Dictionary(uniqueKeysWithValues: graph.history.txns.map { ($0.id, $0) })
        return AnomalyFinding(anomaly: a, txns: cycle.compactMap { byID[$0.from].map(TxnLabel.init) }, steps: cycle)
    }

    /// Removes, again and again, nodes with no in-edge or no out-edge: none lies on a cycle.
    private static func peel(_ g: DependencyGraph) -> [Bool] {
        let n = g.edges.count
        var alive = g.included
        var inDeg = Array(repeating: 0, count: n), outDeg = Array(repeating: 0, count: n)
        var preds = Array(repeating: [Int](), count: n)
        for (a, list) in g.edges.enumerated() {
            for (b, _) in list {
                outDeg[a] += 1
                inDeg[b] += 1
                preds[b].append(a)
            }
        }
        var queue = (0..<n).filter { alive[$0] && (inDeg[$0] == 0 || outDeg[$0] == 0) }
        while let v = queue.popLast() {
            guard alive[v] else { continue }
            alive[v] = false
            for (b, _) in g.edges[v] where alive[b] {
                inDeg[b] -= 1
                if inDeg[b] == 0 { queue.append(b) }
            }
            for a in preds[v] where alive[a] {
                outDeg[a] -= 1
                if outDeg[a] == 0 { queue.append(a) }
            }
        }
        return alive
    }
}
