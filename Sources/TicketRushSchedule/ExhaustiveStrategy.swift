import TicketRushModel

/// `exhaustive`: stateless depth-first search over the grants, each schedule run from a
/// fresh fork. Unbounded, it is classic DPOR (Flanagan & Godefroid, POPL 2005) with sleep
/// sets: at each new state it finds, for every parked buyer, the last step its next step
/// races with (dependent, not ordered by happens-before) and adds a branch there; so one
/// schedule runs per class of interleavings equal up to the order of independent steps,
/// and branches that only repeat a class are never started (the design folder's dpor.py
/// is the oracle: its run counts equal the class counts). With a preemption bound it
/// enumerates every schedule within the bound (partial-order reduction is unsound there).
/// With `symmetry`, identical buyers (one class id each) start in index order: any schedule
/// maps to one of those by renaming them, with the same verdicts (see `Step.dependent`).
public struct ExhaustiveStrategy: Scheduler {
    /// One step as the reduction sees it: who, what, and whether it is the buyer's first
    /// under symmetry (the "start token" of its class, which orders starts).
    struct Step: Equatable {
        var buyer: Int
        var op: GateOp
        var startOf: Int?

        /// Steps of one buyer are ordered; two first steps of one class take the same start
        /// token (the later is enabled only by the earlier), so they are dependent.
        func dependent(_ other: Step) -> Bool {
            buyer == other.buyer || op.dependent(other.op) || (startOf != nil && startOf == other.startOf)
        }
    }

    struct Node: Sendable {
        /// What the processes said was enabled (checked on replay).
        var offered: [Int]
        /// `offered` less the buyers the symmetry rule holds back.
        var enabled: [Int]
        var ops: [GateOp?]
        var started: [Bool]
        var last: Int?
        var preemptionsBefore: Int
        var sleep: [Int]
        var done: [Int]
        /// DPOR's backtrack set: the buyers this state must be left by.
        var backtrack: [Int]
        var chosen: Int
        /// The vector clock of the chosen step (set once a child is made).
        var clock: [Int] = []
    }

    public let preemptionBound: Int?
    public let cap: Int
    /// Per buyer, the class of identical buyers it belongs to (nil: no symmetry reduction).
    public let symmetry: [Int]?
    public var reduces: Bool { preemptionBound == nil }
    private var stack: [Node] = []
    private var started = 0
    /// Nodes above this depth are never advanced (a `--jobs` subtree's root is at `floor`).
    private var floor = 0
    /// Nodes at or below this depth are left after one branch (the split's discovery).
    private var ceiling: Int?
    public private(set) var finished = false
    public private(set) var runs = 0
    public private(set) var abandoned = 0
    /// Deepest schedule seen, in grants.
    public private(set) var longest = 0

    public init(preemptions: Int?, cap: Int, symmetry: [Int]? = nil) {
        self.preemptionBound = preemptions
        self.cap = cap
        // A class of one buyer reduces nothing.
        if let symmetry, symmetry.contains(where: { c in symmetry.filter { $0 == c }.count > 1 }) {
            self.symmetry = symmetry
        } else {
            self.symmetry = nil
        }
    }

    /// True when the search ran out of schedules (not out of budget): the space is covered.
    public var complete: Bool { finished }

    /// The search's state after its last schedule: the path to it with what each node has
    /// done. A search resumed from it (`resuming`) goes on exactly as this one would.
    public struct Snapshot: Sendable {
        fileprivate var nodes: [Node]
        /// Grants of the schedule it ends on.
        public var depth: Int { nodes.count }
    }

    public var snapshot: Snapshot { Snapshot(nodes: stack) }

    /// A bounded search picking up after `snapshot`'s schedule (not run again), which only
    /// branches at depths in `floor..<ceiling`: with `ceiling` one past `floor` it finds the
    /// first schedule of every subtree one level down; without one it runs the subtree rooted
    /// at depth `floor` in the serial order. Partial-order reduction is not resumable here:
    /// DPOR adds branches above a subtree's root.
    public init(resuming snapshot: Snapshot, preemptions: Int, cap: Int, symmetry: [Int]?, floor: Int, ceiling: Int? = nil) {
        self.init(preemptions: preemptions, cap: cap, symmetry: symmetry)
        stack = snapshot.nodes
        started = 1
        self.floor = floor
        self.ceiling = ceiling
    }

    /// How many buyers the symmetry rule treats as interchangeable (largest class).
    public var identicalBuyers: Int {
        guard let symmetry else { return 1 }
        return Set(symmetry).map { c in symmetry.filter { $0 == c }.count }.max() ?? 1
    }

    public mutating func begin() -> Bool {
        if finished { return false }
        if started > 0 {
            var advanced = false
            while stack.count > floor, let top = stack.last {
                if ceiling.map({ stack.count <= $0 }) ?? true, let c = next(top) {
                    stack[stack.count - 1].chosen = c
                    stack[stack.count - 1].done.append(c)
                    advanced = true
                    break
                }
                stack.removeLast()
            }
            if !advanced { finished = true; return false }
        }
        guard started < cap else { return false }
        started += 1
        return true
    }

    /// The next branch to take out of `node`, or nil when it is exhausted.
    private func next(_ node: Node) -> Int? {
        if reduces {
            return node.backtrack.sorted().first { !node.done.contains($0) && !node.sleep.contains($0) && node.enabled.contains($0) }
        }
        return candidates(node).first
    }

    private func cost(_ c: Int, at node: Node) -> Int {
        guard let last = node.last, c != last, node.enabled.contains(last) else { return 0 }
        return 1
    }

    /// Bounded search: every enabled buyer within the bound, the running one first.
    private func candidates(_ node: Node) -> [Int] {
        var order = node.enabled
        if let last = node.last, let i = order.firstIndex(of: last) { order.remove(at: i); order.insert(last, at: 0) }
        return order.filter { c in
            !node.done.contains(c) && (preemptionBound.map { node.preemptionsBefore + cost(c, at: node) <= $0 } ?? true)
        }
    }

    private func step(_ b: Int, at node: Node) -> Step? {
        guard let op = node.ops[b] else { return nil }
        return Step(buyer: b, op: op, startOf: node.started[b] ? nil : symmetry?[b])
    }

    private func taken(_ i: Int) -> Step { step(stack[i].chosen, at: stack[i])! }

    /// The clock of `b`'s last step among the first `depth` steps (zeros before its first).
    private func clock(of b: Int, before depth: Int, buyers: Int) -> [Int] {
        for j in stride(from: depth - 1, through: 0, by: -1) where stack[j].chosen == b { return stack[j].clock }
        return [Int](repeating: 0, count: buyers)
    }

    /// Step `i` happens before the next step of `p` (whose last step's clock is `pc`).
    private func happensBefore(_ i: Int, _ pc: [Int]) -> Bool {
        let b = stack[i].chosen
        return stack[i].clock[b] <= pc[b]
    }

    /// The vector clock of the step at depth `d` (its chosen buyer's step).
    private func stepClock(_ d: Int) -> [Int] {
        let n = stack[d].ops.count
        let s = taken(d)
        var vc = clock(of: s.buyer, before: d, buyers: n)
        for j in 0..<d where taken(j).dependent(s) {
            for k in 0..<n { vc[k] = max(vc[k], stack[j].clock[k]) }
        }
        vc[s.buyer] += 1
        return vc
    }

    /// DPOR's race detection at the state after the whole stack: for each parked buyer
    /// (enabled or blocked), the last step its next step races with gets a backtrack branch.
    private mutating func addBacktracks(ops: [GateOp?], started: [Bool]) {
        let depth = stack.count
        for p in ops.indices {
            guard let op = ops[p] else { continue }
            let next = Step(buyer: p, op: op, startOf: started[p] ? nil : symmetry?[p])
            let pc = clock(of: p, before: depth, buyers: ops.count)
            guard let i = (0..<depth).reversed().first(where: { i in
                stack[i].chosen != p && taken(i).dependent(next) && !happensBefore(i, pc)
            }) else { continue }
            let e = stack[i].enabled.filter { q in
                q == p || (i + 1..<depth).contains { j in stack[j].chosen == q && happensBefore(j, pc) }
            }
            if e.isEmpty {
                for q in stack[i].enabled where !stack[i].backtrack.contains(q) { stack[i].backtrack.append(q) }
            } else if !e.contains(where: { stack[i].backtrack.contains($0) }) {
                stack[i].backtrack.append(e.min()!)
            }
        }
    }

    /// Holds back a buyer that has not started while a lower buyer of its class, parked,
    /// has not either: identical buyers start in index order.
    private func canonical(_ enabled: [Int], ops: [GateOp?], started: [Bool]) -> [Int] {
        guard let symmetry else { return enabled }
        return enabled.filter { b in
            started[b] || !(0..<b).contains { a in symmetry[a] == symmetry[b] && !started[a] && ops[a] != nil }
        }
    }

    public mutating func choose(_ point: SchedulePoint) throws(ScheduleDivergence) -> Int? {
        let d = point.index
        if d < stack.count {
            guard point.enabled == stack[d].offered else {
                throw ScheduleDivergence("exhaustive search: at grant \(d + 1) the enabled buyers differ from the last run with the same prefix (uncontrolled nondeterminism)",
                                         uncontrolled: true)
            }
            return stack[d].chosen
        }
        var startedNow = [Bool](repeating: false, count: point.ops.count)
        var sleep: [Int] = []
        var before = 0
        if let parent = stack.last {
            stack[d - 1].clock = stepClock(d - 1)
            startedNow = parent.started
            startedNow[parent.chosen] = true
            before = parent.preemptionsBefore + cost(parent.chosen, at: parent)
            if reduces, let took = step(parent.chosen, at: parent) {
                for q in parent.sleep + parent.done where q != parent.chosen && !sleep.contains(q) {
                    if let s = step(q, at: parent), !s.dependent(took) { sleep.append(q) }
                }
            }
        }
        if reduces { addBacktracks(ops: point.ops, started: startedNow) }
        // The final state (nobody enabled) only adds backtrack branches.
        guard !point.enabled.isEmpty else { return nil }
        let enabled = canonical(point.enabled, ops: point.ops, started: startedNow)
        var node = Node(offered: point.enabled, enabled: enabled, ops: point.ops, started: startedNow, last: point.last,
                        preemptionsBefore: before, sleep: sleep, done: [], backtrack: [], chosen: -1)
        let first = reduces ? enabled.first { !sleep.contains($0) } : candidates(node).first
        guard let c = first else { return nil }
        node.chosen = c
        node.done = [c]
        node.backtrack = [c]
        stack.append(node)
        return c
    }

    public mutating func end(grants: Int) {
        longest = max(longest, grants)
        runs += 1
    }

    public mutating func abandon() { abandoned += 1 }
}
