/// How the runner interleaves the buyers (docs/schedules.md).
public enum ScheduleStrategy: String, Sendable, Codable, CaseIterable {
    /// Real timing with the delays: today's behaviour.
    case timing
    /// Seeded uniform choice among the enabled buyers at every step.
    case random
    /// PCT (Burckhardt et al.): random priorities, depth − 1 change points.
    case pct
    /// Every interleaving (up to commuting independent steps, or up to a preemption bound).
    case exhaustive

    public var summary: String {
        switch self {
        case .timing: return "real timing with the delays (default)"
        case .random: return "controlled: a seeded uniform choice among the enabled buyers at every step"
        case .pct: return "controlled: PCT, random priorities with depth-1 change points"
        case .exhaustive: return "controlled: every interleaving (sleep-set reduction), or every one within `preemptions`"
        }
    }
}

/// `schedule:`: timing, or a controlled strategy and its parameters.
public struct ScheduleConfig: Sendable, Codable, Equatable {
    public var strategy: ScheduleStrategy
    /// Schedules to run (random, pct); a cap for exhaustive. nil: the strategy's default.
    public var runs: Int?
    /// pct: the bug depth d.
    public var depth: Int
    /// exhaustive: at most this many preemptions per schedule (nil: unbounded).
    public var preemptions: Int?
    /// How long shrinking a counterexample may take (0: do not shrink).
    public var shrinkNs: Int64
    /// `--schedule-replay`: run exactly this schedule string.
    public var replay: String?
    /// Command-line overrides the run was given (`--buyers 2`), repeated in replay commands.
    public var overrides: [String] = []
    /// `schedule.time`: the scenario's own time budget for the search (nil: not set).
    public var timeBudgetNs: Int64? = nil
    /// `--fail-fast`: the search stops at its first violating schedule.
    public var failFast: Bool? = nil

    public static let defaultStrategy = ScheduleStrategy.timing
    public static let defaultDepth = 2
    public static let defaultShrinkNs: Int64 = 10_000_000_000
    /// Schedules random and pct draw when `runs` is not given.
    public static let defaultRuns = 100
    /// Most schedules an exhaustive search runs when `runs` is not given; past it the search is incomplete.
    public static let defaultExhaustiveCap = 100_000
    /// How long a search may run when the scenario sets neither `runs` nor `time`; past it
    /// the search stops, and what it did not cover is not judged as holding.
    public static let defaultTimeBudgetNs: Int64 = 600_000_000_000

    /// The search's time limit: the scenario's `time`, else the default unless `runs` bounds it.
    public var effectiveTimeBudgetNs: Int64? {
        if let timeBudgetNs { return timeBudgetNs }
        return runs == nil ? Self.defaultTimeBudgetNs : nil
    }

    public static let timing = ScheduleConfig()

    public init(strategy: ScheduleStrategy = defaultStrategy, runs: Int? = nil, depth: Int = defaultDepth,
                preemptions: Int? = nil, shrinkNs: Int64 = defaultShrinkNs, replay: String? = nil) {
        self.strategy = strategy
        self.runs = runs
        self.depth = depth
        self.preemptions = preemptions
        self.shrinkNs = shrinkNs
        self.replay = replay
    }

    /// True when the runner decides the interleaving.
    public var isControlled: Bool { strategy != .timing || replay != nil }

    /// The schedules to run (random, pct), or the exhaustive cap.
    public var plannedRuns: Int {
        if replay != nil { return 1 }
        switch strategy {
        case .timing: return 0
        case .exhaustive: return runs ?? Self.defaultExhaustiveCap
        case .random, .pct: return runs ?? Self.defaultRuns
        }
    }
}

/// Why a controlled search stopped before it covered what it set out to: the scenario's
/// own budget (then a hold is reported as "holds in N explored schedules"), or a default
/// bound (then a hold is not judged: the search claimed nothing it did not explore).
public enum SearchStop: String, Sendable, Codable {
    /// `schedule.runs`: the exhaustive cap the scenario set.
    case runs
    /// `schedule.time`: the scenario's time budget.
    case time
    /// The default cap of exhaustive schedules (`ScheduleConfig.defaultExhaustiveCap`).
    case defaultCap = "default-cap"
    /// The default time budget (`ScheduleConfig.defaultTimeBudgetNs`).
    case defaultTime = "default-time"
    /// `--fail-fast`: the first violating schedule.
    case failFast = "fail-fast"

    /// True when the scenario (or the run's --fail-fast) chose what stopped the search.
    public var setByScenario: Bool { self == .runs || self == .time || self == .failFast }

    /// "the scenario's budget (schedule.runs: 50)", for the reports.
    public func text(_ config: ScheduleConfig) -> String {
        switch self {
        case .runs: return "the scenario's budget (schedule.runs: \(config.runs ?? 0))"
        case .time: return "the scenario's time budget (schedule.time: \(seconds(config.timeBudgetNs ?? 0)))"
        case .defaultCap: return "the default cap of \(ScheduleConfig.defaultExhaustiveCap) schedules"
        case .defaultTime: return "the default time budget of \(seconds(ScheduleConfig.defaultTimeBudgetNs))"
        case .failFast: return "the first counterexample (--fail-fast)"
        }
    }

    private func seconds(_ ns: Int64) -> String {
        ns % 1_000_000_000 == 0 ? "\(ns / 1_000_000_000)s" : "\(Double(ns) / 1e9)s"
    }
}

/// What a controlled exploration of one cell covered and found, carried on the cell's
/// last trial record (so it survives `--jobs` and `merge`).
public struct ScheduleSummary: Sendable, Codable, Equatable {
    public var strategy: String
    /// Schedules run to the end and judged.
    public var runs: Int
    /// Exhaustive: runs cut short because every continuation was already covered (sleep set).
    public var abandoned: Int
    /// Exhaustive: true when the bounded space was covered completely.
    public var complete: Bool?
    public var violating: Int
    /// The coverage in words ("exhaustive: …; violated in 14").
    public var statement: String
    /// pct: the per-schedule lower bound 1/(n·k^(d−1)).
    public var pctBound: Double?
    /// The first violating schedule and the command that replays it (the scenario as written).
    public var replay: String?
    public var replayCommand: String?
    /// The shrunk counterexample: what was reduced, the story, and its own command.
    public var shrunk: String?
    public var story: [String]?
    public var shrunkCommand: String?
    /// Set when the search stopped before covering its space (exhaustive) or its planned
    /// runs (a time budget): what stopped it.
    public var stoppedBy: SearchStop?
    /// pct, on a `--jobs` worker's last record only: the most steps with a choice it saw.
    public var pctK: Int?

    public init(strategy: String, runs: Int, abandoned: Int = 0, complete: Bool? = nil, violating: Int, statement: String,
                pctBound: Double? = nil, replay: String? = nil, replayCommand: String? = nil) {
        self.strategy = strategy
        self.runs = runs
        self.abandoned = abandoned
        self.complete = complete
        self.violating = violating
        self.statement = statement
        self.pctBound = pctBound
        self.replay = replay
        self.replayCommand = replayCommand
    }
}
