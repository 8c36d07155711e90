import TicketRushModel

/// What a strategy sees before a grant: who may move and what each parked buyer will do.
public struct SchedulePoint: Sendable {
    /// 0-based grant number.
    public var index: Int
    /// Enabled buyers, ascending.
    public var enabled: [Int]
    /// Per buyer: the step it is parked before (nil: finished or dead).
    public var ops: [GateOp?]
    /// The buyer granted last.
    public var last: Int?

    public init(index: Int, enabled: [Int], ops: [GateOp?], last: Int?) {
        self.index = index
        self.enabled = enabled
        self.ops = ops
        self.last = last
    }
}

/// A replayed or explored schedule that the processes did not follow.
public struct ScheduleDivergence: Error, Equatable, CustomStringConvertible {
    public var description: String
    /// A search's own prefix not followed (the program or server differed from its last run),
    /// which running the schedule again may cure; else a replay string the user gave (exit 2).
    public var uncontrolled: Bool
    public init(_ description: String, uncontrolled: Bool = false) {
        self.description = description
        self.uncontrolled = uncontrolled
    }
}

/// Decides which enabled buyer moves next, schedule after schedule (Shuttle's Scheduler).
public protocol Scheduler {
    /// Prepares the next schedule; false when there is none left.
    mutating func begin() -> Bool
    /// The buyer to grant (one of `point.enabled`); nil abandons this schedule (already covered).
    /// A point with no enabled buyer but some parked (a deadlock) is shown once at the end,
    /// for searches that learn from blocked buyers; its answer is ignored.
    mutating func choose(_ point: SchedulePoint) throws(ScheduleDivergence) -> Int?
    /// The schedule ended after `grants` grants.
    mutating func end(grants: Int) throws(ScheduleDivergence)
    /// The schedule was abandoned (`choose` returned nil).
    mutating func abandon()
}

extension Scheduler {
    public mutating func abandon() {}
}

/// SplitMix64: small, seedable, the same on every platform.
public struct SplitMix: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `random`: a seeded uniform choice among the enabled buyers at every step.
public struct RandomStrategy: Scheduler {
    public let seed: UInt64
    public let runs: Int
    /// Schedules begun so far (in a part: the index of the next one).
    public private(set) var started = 0
    /// Every `parts`-th schedule from `part`: one worker's share of `--jobs`.
    public let parts: Int
    /// The index of the schedule begun last.
    public private(set) var current = -1
    private var rng = SplitMix(seed: 0)

    /// Each schedule's choices depend only on `seed` and its index, so the schedules of
    /// parts 0..<parts together are those of the whole run.
    public init(seed: UInt64, runs: Int, part: Int = 0, parts: Int = 1) {
        self.seed = seed
        self.runs = runs
        self.parts = max(parts, 1)
        started = part
    }

    public mutating func begin() -> Bool {
        guard started < runs else { return false }
        rng = SplitMix(seed: seed &+ UInt64(started) &* 0x9E37_79B9_7F4A_7C15)
        current = started
        started += parts
        return true
    }

    public mutating func choose(_ point: SchedulePoint) -> Int? {
        guard !point.enabled.isEmpty else { return nil }
        return point.enabled[Int(rng.next() % UInt64(point.enabled.count))]
    }

    public mutating func end(grants: Int) {}
}

/// `pct` (Burckhardt et al., ASPLOS 2010, as Shuttle and Coyote run it): distinct random
/// priorities, the highest enabled runs; d − 1 change points drawn from [1, k] lower the
/// running buyer's priority. Only steps with two or more enabled buyers count; k is
/// learned from the first schedule (lowest buyer first) and grows with what is seen, at
/// the start of each round (`rounds`): a schedule's draws depend on its seed, its index and
/// the schedules of earlier rounds only, so `--jobs` workers splitting a round run the
/// same schedules as one process.
public struct PCTStrategy: Scheduler {
    public let seed: UInt64
    public let runs: Int
    public let depth: Int
    public let buyers: Int
    /// The next schedule's index.
    public private(set) var started = 0
    /// The index of the schedule begun last.
    public private(set) var current = -1
    /// The most counted steps of any schedule so far.
    public private(set) var k = 0
    /// The k change points are drawn from: `k` as the current round began.
    public private(set) var roundK = 0
    private let end: Int
    private let parts: Int
    private let fixedRoundK: Bool
    private var rng = SplitMix(seed: 0)
    private var priority: [Int] = []
    private var changes: [Int: Int] = [:]
    private var counted = 0

    public init(seed: UInt64, runs: Int, depth: Int, buyers: Int) {
        self.seed = seed
        self.runs = runs
        self.depth = depth
        self.buyers = buyers
        end = runs
        parts = 1
        fixedRoundK = false
    }

    /// One worker's share of one round: every `parts`-th schedule of `round` from its
    /// `part`-th, with the k the round starts with.
    public init(seed: UInt64, runs: Int, depth: Int, buyers: Int, round: Range<Int>, part: Int, parts: Int, k: Int) {
        self.seed = seed
        self.runs = runs
        self.depth = depth
        self.buyers = buyers
        started = round.lowerBound + part
        end = min(round.upperBound, runs)
        self.parts = max(parts, 1)
        roundK = k
        fixedRoundK = true
    }

    /// Schedule 0 (the learning run) alone, then rounds of 4, 8, 16, 32, then `largest`
    /// (64: pct learns k between rounds) each.
    public static func rounds(_ runs: Int, largest: Int = 64) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var at = 0, size = 1
        while at < runs {
            out.append(at..<min(at + size, runs))
            at += size
            size = at == 1 ? 4 : min(size * 2, max(largest, 4))
        }
        return out
    }

    static func isRoundStart(_ i: Int) -> Bool {
        // 0, 1, 5, 13, 29, 61, then every 64.
        i <= 1 || [5, 13, 29].contains(i) || (i >= 61 && (i - 61) % 64 == 0)
    }

    public mutating func begin() -> Bool {
        guard started < end else { return false }
        let i = started
        if !fixedRoundK, Self.isRoundStart(i) { roundK = k }
        rng = SplitMix(seed: seed &+ UInt64(i) &* 0xD1B5_4A32_D192_ED03)
        counted = 0
        // Priorities depth..depth+n-1, shuffled; change points get 1..depth-1 (below all).
        priority = Array(depth..<(depth + buyers)).shuffled(using: &rng)
        changes = [:]
        if i > 0, roundK > 0 {
            var points = Array(1...roundK).shuffled(using: &rng).prefix(max(0, depth - 1))
            var low = depth - 1
            while let p = points.popLast() { changes[p] = low; low -= 1 }
        } else {
            // The learning run: the lowest-numbered buyer first.
            priority = Array((depth..<(depth + buyers)).reversed())
        }
        current = i
        started += parts
        return true
    }

    public mutating func choose(_ point: SchedulePoint) -> Int? {
        guard !point.enabled.isEmpty else { return nil }
        var best = point.enabled.max { priority[$0] < priority[$1] }!
        if point.enabled.count >= 2 {
            counted += 1
            if let low = changes[counted] {
                priority[best] = low
                best = point.enabled.max { priority[$0] < priority[$1] }!
            }
        }
        return best
    }

    public mutating func end(grants: Int) { k = max(k, counted) }

    /// A part's k joins the whole run's (the largest seen).
    public mutating func learned(_ other: Int) { k = max(k, other) }

    /// The per-schedule probability PCT guarantees for a bug of depth d: 1/(n·k^(d−1)).
    public var bound: Double {
        let kk = Double(max(k, 1))
        var p = 1.0 / Double(buyers)
        for _ in 0..<max(0, depth - 1) { p /= kk }
        return p
    }
}

/// Replays a schedule string: its choices, then the tail rule. Strict replay names the
/// grant where the run diverged; tolerant replay (the shrinker's) skips choices that are
/// not enabled.
public struct ReplayStrategy: Scheduler {
    public let choices: [Int]
    public let tolerant: Bool
    /// A replay whose fingerprint is not the scenario's (the program changed): the first
    /// divergence is noted in `diverged` and the run goes on by the tail rule, instead of stopping.
    public let lenient: Bool
    /// Where the schedule first stopped matching the run (lenient replays only).
    public private(set) var diverged: String?
    private var used = false
    private var next = 0

    public init(choices: [Int], tolerant: Bool = false, lenient: Bool = false) {
        self.choices = choices
        self.tolerant = tolerant
        self.lenient = lenient
    }

    public mutating func begin() -> Bool {
        defer { used = true }
        next = 0
        return !used
    }

    public mutating func choose(_ point: SchedulePoint) throws(ScheduleDivergence) -> Int? {
        guard !point.enabled.isEmpty else { return nil }
        if tolerant {
            while next < choices.count, !point.enabled.contains(choices[next]) { next += 1 }
        }
        guard next < choices.count, diverged == nil else { return ScheduleString.tail(enabled: point.enabled, last: point.last) }
        let b = choices[next]
        guard point.enabled.contains(b) else {
            let why = point.ops.indices.contains(b) && point.ops[b] == nil ? "it has finished"
                : (point.ops.indices.contains(b) ? "it is blocked before \(point.ops[b]!.name) (the lock is held)" : "it does not exist")
            let enabled = point.enabled.map { ScheduleString.symbol($0) }.joined(separator: ", ")
            let text = "the schedule diverged at grant \(point.index + 1): buyer \(b + 1) is not enabled (\(why)); enabled: \(enabled)"
            guard lenient else { throw ScheduleDivergence(text) }
            diverged = text + "; the rest ran by the tail rule"
            return ScheduleString.tail(enabled: point.enabled, last: point.last)
        }
        next += 1
        return b
    }

    public mutating func end(grants: Int) throws(ScheduleDivergence) {
        guard !tolerant, next < choices.count, diverged == nil else { return }
        let text = "the schedule runs past the end: the run finished after \(grants) grants, but the string has \(choices.count) choices (choice \(next + 1) onward cannot be granted)"
        guard lenient else { throw ScheduleDivergence(text) }
        diverged = text
    }
}

