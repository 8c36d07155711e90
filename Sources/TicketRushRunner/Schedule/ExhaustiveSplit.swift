#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChecks
import TicketRushSchedule

/// `--jobs N` on a bounded exhaustive cell (`preemptions: K`): a static tree, since every
/// schedule within the bound is run and nothing is pruned. The runner runs the first
/// schedules of the search itself, level by level, until the tree's top splits into at
/// least 4×N subtrees (each with the search state the serial search has after its first
/// schedule); the workers take the subtrees from a queue and explore each in the serial
/// order, and the runner puts the records back in that order. So the schedules, counts,
/// verdicts, `complete`, the first counterexample and the reports equal `--jobs 1`'s. The
/// unbounded search (DPOR) stays in one process: its races add branches above a subtree.
extension ScheduleExplorer {
    /// A bounded exhaustive cell with enough schedules to be worth splitting.
    static func splitsExhaustive(_ s: Scenario) -> Bool {
        s.schedule.strategy == .exhaustive && s.schedule.preemptions != nil
    }

    /// One subtree: the search state after its first schedule (run by the runner), the
    /// depth of its root (the worker branches only below it), and whether that first
    /// schedule violated an invariant (--fail-fast then stops the subtree there).
    package struct Subtree: Sendable {
        var snapshot: ExhaustiveStrategy.Snapshot
        var floor: Int
        var firstViolates = false
    }

    /// What a split cell's workers share (forked into each): their subtrees, the queue they
    /// take them from, the cell's time budget and, under --fail-fast, the lowest subtree known
    /// to hold a counterexample (in memory shared with the runner, which lowers it as records
    /// come in).
    package final class ExhaustiveShare {
        let subtrees: [Subtree]
        let budget: SearchBudget
        /// A pipe holding every subtree index (4 bytes each, in the serial order), filled and
        /// closed for writing before the workers are forked: a worker takes the next subtree
        /// with one read (whole, as the pipe's lock serialises reads), so the workers share
        /// the subtrees by how fast they go, and each takes its own in the serial order.
        let queueFD: Int32
        let limit: UnsafeMutablePointer<Int>?
        /// Schedules this worker has run over its subtrees: the cap is per worker, which
        /// keeps every schedule of the serial search's first `cap` (a worker's subtrees come
        /// in the serial order).
        var ran = 0

        init(subtrees: [Subtree], budget: SearchBudget, queueFD: Int32, limit: UnsafeMutablePointer<Int>?) {
            self.subtrees = subtrees
            self.budget = budget
            self.queueFD = queueFD
            self.limit = limit
        }

        /// False once an earlier subtree is known to fail: the serial search stops before this one.
        func wanted(_ index: Int) -> Bool { limit.map { index <= $0.pointee } ?? true }

        /// The next subtree nobody has taken, or nil when the queue is empty.
        func next() -> Int? {
            var word = [UInt8](repeating: 0, count: 4)
            let n = word.withUnsafeMutableBytes { raw -> Int? in
                do { return try Sys.read(queueFD, raw.baseAddress!, 4) } catch { return nil }
            }
            guard n == 4 else { return nil }
            let index = Int(word[0]) | Int(word[1]) << 8 | Int(word[2]) << 16 | Int(word[3]) << 24
            return index < subtrees.count ? index : nil
        }

        /// The queue of `count` subtrees, written whole (a pipe holds 16,384 of them).
        static func queue(_ count: Int) throws -> Int32 {
            // Written before any reader exists: more would block (4×jobs subtrees, times the
            // buyers at most, never comes near).
            guard count <= 16_384 else { throw RunnerError.schedule("the search split into \(count) subtrees, more than 16384") }
            let fds = try Sys.pipe()
            defer { Sys.close(fds.write) }
            var bytes: [UInt8] = []
            for i in 0..<count { bytes += [UInt8(i & 0xff), UInt8(i >> 8 & 0xff), UInt8(i >> 16 & 0xff), UInt8(i >> 24 & 0xff)] }
            let failure = bytes.withUnsafeBytes { raw -> SyscallError? in
                do throws(SyscallError) { try Sys.writeAll(fds.write, raw); return nil } catch { return error }
            }
            if let failure {
                Sys.close(fds.read)
                throw RunnerError.failed(failure)
            }
            return fds.read
        }
    }

    /// One word of memory shared with the workers forked after it (nil when mmap fails:
    /// the workers then run their subtrees to the end, which only costs time).
    static func sharedLimit() -> UnsafeMutablePointer<Int>? {
        let size = MemoryLayout<Int>.size
        guard let raw = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else { return nil }
        let limit = raw.bindMemory(to: Int.self, capacity: 1)
        limit.pointee = .max
        return limit
    }

    /// A worker record's tag: which subtree it belongs to and how many grants it made.
    static func subtreeNote(_ index: Int, grants: Int) -> ScheduleSummary {
        ScheduleSummary(strategy: "subtree", runs: index, violating: grants, statement: "")
    }

    /// In a worker (`worker` of the pool): subtrees taken from the queue until it is empty,
    /// on one warm crew.
    func runSubtrees(observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void, fingerprint: UInt32) throws {
        guard let (share, worker) = subtree else { return }
        // Each worker on its own CPU (ScheduleSplit.runPart says why).
        _ = tr_pin_process(Int32(worker))
        let warm = WarmBuyers.make(scenario, work: work, slot: worker + 1)
        defer { warm?.end() }
        while let index = share.next() {
            try runSubtree(index, share: share, warm: warm, observe: observe, record: record, fingerprint: fingerprint)
        }
    }

    /// Subtree `index`'s schedules after its first, in the serial order, each recorded with
    /// its subtree's tag. Its trials are numbered (index + 1) × 10⁹ + n (folders under
    /// --work); the runner renumbers them in the serial order.
    private func runSubtree(_ index: Int, share: ExhaustiveShare, warm: WarmBuyers?, observe: (Scenario, TrialHistory) throws -> Void,
                            record: (TrialRecord) throws -> Void, fingerprint: UInt32) throws {
        guard let bound = scenario.schedule.preemptions else { return }
        let s = scenario, cap = s.schedule.plannedRuns, failFast = s.schedule.failFast == true
        let tree = share.subtrees[index]
        if failFast, tree.firstViolates { return }
        var strategy = ExhaustiveStrategy(resuming: tree.snapshot, preemptions: bound, cap: cap, symmetry: Self.symmetry(s), floor: tree.floor)
        var keptTimeline = false, n = 0
        while share.ran < cap, share.wanted(index), !share.budget.expired(now: MonotonicClock.now()), strategy.begin() {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            n += 1
            let trial = (index + 1) * 1_000_000_000 + n
            // Without partial-order reduction nothing is abandoned.
            guard let judged = try schedule(&strategy, trial: trial, warm: warm) else {
                throw RunnerError.schedule("schedule \(trial) of \(s.name) was abandoned")
            }
            share.ran += 1
            try observe(s, judged.history)
            let failed = judged.results.contains { $0.verdict != .holds }
            var r = TrialRecord(history: judged.history, scenario: s.name, results: judged.results, keepTimeline: failed && !keptTimeline)
            if failed { keptTimeline = true }
            r.schedule = ScheduleString(fingerprint: fingerprint, choices: judged.trimmed).text
            r.exploration = Self.subtreeNote(index, grants: judged.choices.count)
            try record(r)
            // --fail-fast: the serial search stops at the first counterexample of this subtree
            // unless an earlier subtree has one (then the runner drops this one).
            if failFast, judged.results.contains(where: { $0.verdict == .violated }) { break }
        }
    }

    /// A subtree's first schedule, as the runner ran it.
    struct Leaf {
        var record: TrialRecord
        var grants: Int
        var subtree: Subtree
    }

    /// The runner's part of a split search: its first schedules, what it learned.
    struct Discovery {
        var leaves: [Leaf] = []
        var trials = 0
        var stop: SearchStop?
    }

    /// In the runner: the top of the tree here, the subtrees on the workers, then every
    /// record in the serial order, judged as one search.
    func runExhaustiveSplit(observe: (Scenario, TrialHistory) throws -> Void, record: (TrialRecord) throws -> Void,
                            fingerprint: UInt32) throws {
        guard let split, let bound = scenario.schedule.preemptions else { return }
        let s = scenario, config = s.schedule
        let budget = SearchBudget(config, now: MonotonicClock.now())
        let failFast = config.failFast == true
        var top = try discover(bound: bound, target: 4 * split.jobs, budget: budget, observe: observe, fingerprint: fingerprint)
        var found: [[TrialRecord]] = top.leaves.map { _ in [] }
        let timedOut = top.stop != nil && top.stop != .failFast
        if !timedOut, top.leaves.contains(where: { $0.subtree.snapshot.depth > $0.subtree.floor && !(failFast && $0.subtree.firstViolates) }) {
            let limit = failFast ? Self.sharedLimit() : nil
            defer { if let limit { munmap(limit, MemoryLayout<Int>.size) } }
            if let first = top.leaves.firstIndex(where: { $0.subtree.firstViolates }), failFast { limit?.pointee = first }
            let queue = try ExhaustiveShare.queue(top.leaves.count)
            defer { Sys.close(queue) }
            var executor = split.executor
            executor.exhaustiveShare = ExhaustiveShare(subtrees: top.leaves.map(\.subtree), budget: budget, queueFD: queue, limit: limit)
            let jobs = min(split.jobs, top.leaves.count)
            let units = (0..<jobs).map { RunPlan.Unit(scenario: index, trial: nil, part: $0, parts: jobs) }
            let got = try WorkerPool.run(units, jobs: jobs, executor: executor, keep: split.keep + [queue]) { r in
                // --fail-fast: the workers on later subtrees stop after the schedule they are running.
                guard let limit, let note = r.exploration, r.results.contains(where: { $0.verdict == .violated }) else { return }
                limit.pointee = min(limit.pointee, note.runs)
            }
            for r in got {
                guard let note = r.exploration, note.strategy == "subtree", found.indices.contains(note.runs) else {
                    throw RunnerError.workerFailed("a worker sent a record of \(s.name) that names no subtree")
                }
                found[note.runs].append(r)
            }
            if budget.expired(now: MonotonicClock.now()) { top.stop = budget.stop(timedOut: true, exhaustiveComplete: nil) }
        }
        try judgeExhaustive(top, found: found, bound: bound, fingerprint: fingerprint, record: record)
    }

    /// Runs the search's first schedule, then splits level after level (each leaf's subtree
    /// one level down: the first schedule of each new subtree is run here) until there are
    /// `target` subtrees or none splits further. Every schedule run here is one of the serial
    /// search's, and the leaves stay in its order.
    func discover(bound: Int, target: Int, budget: SearchBudget, observe: (Scenario, TrialHistory) throws -> Void,
                  fingerprint: UInt32) throws -> Discovery {
        let s = scenario, symmetry = Self.symmetry(s), failFast = s.schedule.failFast == true
        var top = Discovery()
        let warm = WarmBuyers.make(s, work: work)
        defer { warm?.end() }
        func leaf(_ strategy: inout ExhaustiveStrategy, floor: Int) throws -> Leaf {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            guard let judged = try schedule(&strategy, trial: top.trials, warm: warm) else {
                throw RunnerError.schedule("schedule \(top.trials + 1) of \(s.name) was abandoned")
            }
            top.trials += 1
            try observe(s, judged.history)
            let failed = judged.results.contains { $0.verdict != .holds }
            var r = TrialRecord(history: judged.history, scenario: s.name, results: judged.results, keepTimeline: failed)
            r.schedule = ScheduleString(fingerprint: fingerprint, choices: judged.trimmed).text
            let violates = judged.results.contains { $0.verdict == .violated }
            if failFast, violates { top.stop = .failFast }
            return Leaf(record: r, grants: judged.choices.count, subtree: Subtree(snapshot: strategy.snapshot, floor: floor, firstViolates: violates))
        }
        var first = ExhaustiveStrategy(preemptions: bound, cap: 1, symmetry: symmetry)
        guard first.begin() else { return top }
        top.leaves = [try leaf(&first, floor: 0)]
        var floor = 0
        while top.stop == nil, top.leaves.count < target, top.leaves.contains(where: { $0.subtree.snapshot.depth > floor }) {
            var next: [Leaf] = []
            for (i, old) in top.leaves.enumerated() {
                next.append(Leaf(record: old.record, grants: old.grants, subtree: Subtree(snapshot: old.subtree.snapshot, floor: floor + 1)))
                var level = ExhaustiveStrategy(resuming: old.subtree.snapshot, preemptions: bound, cap: .max, symmetry: symmetry,
                                               floor: floor, ceiling: floor + 1)
                while top.stop == nil, level.begin() {
                    if budget.expired(now: MonotonicClock.now()) { top.stop = budget.stop(timedOut: true, exhaustiveComplete: nil); break }
                    next.append(try leaf(&level, floor: floor + 1))
                }
                // Stopped: the last leaf's subtree keeps the siblings this level did not reach,
                // and the leaves not split yet keep their place in the serial order.
                if top.stop != nil {
                    next[next.count - 1].subtree.floor = floor
                    next += top.leaves[(i + 1)...]
                    break
                }
            }
            top.leaves = next
            floor += 1
        }
        return top
    }

    /// The serial search's bookkeeping over the records in the serial order: its cap, counts,
    /// the first failing schedule's timeline, the first counterexample (replayed here to be shrunk).
    private func judgeExhaustive(_ top: Discovery, found: [[TrialRecord]], bound: Int, fingerprint: UInt32,
                                 record: (TrialRecord) throws -> Void) throws {
        let s = scenario, cap = s.schedule.plannedRuns
        var records: [TrialRecord] = [], longest = 0
        for (i, leaf) in top.leaves.enumerated() {
            records.append(leaf.record)
            longest = max(longest, leaf.grants)
            for r in found[i] { longest = max(longest, r.exploration?.violating ?? 0); records.append(r) }
        }
        var stop = top.stop
        // --fail-fast: what the serial search runs, up to its first counterexample (the
        // workers may have run more; those schedules are dropped, not reported).
        if s.schedule.failFast == true, let first = records.firstIndex(where: { $0.results.contains { $0.verdict == .violated } }) {
            records.removeSubrange((first + 1)...)
            stop = .failFast
        }
        // More than the cap: the serial search stops at it, incomplete.
        if records.count > cap { records.removeSubrange(cap...); stop = stop ?? SearchBudget(s.schedule, now: 0).stop(timedOut: false, exhaustiveComplete: false) }
        for i in records.indices {
            records[i].trial = i
            records[i].exploration = nil
        }
        let (violating, counterexample) = Self.tally(&records)
        let escaped = Self.fullControlNote(records)
        guard let last = records.popLast() else { return }
        for r in records { try record(r) }
        let first = try counterexample.flatMap { r in try r.schedule.flatMap { try replayed($0, trial: r.trial) } }
        let complete = stop == nil
        let identical = ExhaustiveStrategy(preemptions: bound, cap: 1, symmetry: Self.symmetry(s)).identicalBuyers
        let statement = Self.coverage(complete: complete, bound: bound, longest: longest, identical: identical, abandoned: 0,
                                      runs: records.count + 1, buyers: s.buyers.count)
        let said = "exhaustive: \(statement); violated in \(violating)" + escaped
        try conclude(last, covered: Coverage(statement: said, complete: complete),
                     runs: records.count + 1, violating: violating, first: first, stop: stop, fingerprint: fingerprint, record: record)
    }
}
