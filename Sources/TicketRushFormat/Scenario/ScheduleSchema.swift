import TicketRushModel

/// The `schedule:` key of the format: timing, or a controlled strategy (docs/schedules.md).
package enum ScheduleSchema {
    package static let field = Field("schedule", .object([
        Field("strategy", .choice(ScheduleStrategy.allCases.map(\.rawValue)), default: .word(ScheduleConfig.defaultStrategy),
              ScheduleStrategy.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
        Field("runs", .integer(min: 1, max: nil),
              "schedules to run, each a fresh trial (random, pct; default \(ScheduleConfig.defaultRuns)); for exhaustive a cap (default \(ScheduleConfig.defaultExhaustiveCap)) past which the search is incomplete: an incomplete search judges no hold unless the scenario set runs or time (then: holds in N explored schedules)"),
        Field("depth", .integer(min: 1, max: nil), default: .int(ScheduleConfig.defaultDepth), "pct: the bug depth d (d-1 priority change points)"),
        Field("preemptions", .integer(min: 0, max: nil), "exhaustive: at most this many preemptions per schedule (omit: unbounded, with sleep-set reduction)"),
        Field("time", .duration,
              "a time budget for the search: no new schedule starts after it (at least one runs). Set by the scenario, like runs, it makes a search it stops report \"holds in N explored schedules\"; omitted (and runs omitted), a default of \(ScheduleConfig.defaultTimeBudgetNs / 60_000_000_000) minutes applies, and a search stopped by a default bound judges no hold"),
        Field("shrink", .duration, default: .duration(ScheduleConfig.defaultShrinkNs), "how long shrinking a counterexample may take (0: do not shrink)"),
    ], shorthand: "strategy"), default: .object([:]),
    "who decides the interleaving: timing (default) or a controlled strategy; a bare word is {strategy: WORD}")

    /// A controlled strategy drives gates: the built-in buyer's, or a protocol program's
    /// (`buyers.command` without `outcomes`, which parks on TICKETRUSH_GATE_FD after each
    /// report). A pattern program and a whole program have none.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        guard let strategy = value["schedule"]?["strategy"]?.text, strategy != ScheduleStrategy.timing.rawValue else { return [] }
        let at = locations["schedule.strategy"] ?? locations["schedule"] ?? SourceLocation(path: path, line: 1, column: 1)
        // Under syscall control the runner holds every process itself (docs/programs.md).
        let syscalls = ProgramConfig.Control.syscalls.rawValue
        if value["program"]?["control"]?.text == syscalls || value["buyers"]?["control"]?.text == syscalls { return [] }
        if value["program"]?["command"] != nil {
            return [Diagnostic(at: at, "'schedule.strategy' \(strategy) grants one buyer at a time, but a whole program (program.command) starts its buyers itself and the runner cannot hold them one by one: run one protocol program per buyer (buyers.command without outcomes), or use schedule: timing")]
        }
        if value["buyers"]?["command"] != nil, value["outcomes"] != nil {
            return [Diagnostic(at: at, "'schedule.strategy' \(strategy) needs a protocol program: one judged by 'outcomes' patterns cannot wait at a gate (TICKETRUSH_GATE_FD) between its steps; report them with a client helper (clients/) and drop 'outcomes', or use schedule: timing")]
        }
        return []
    }

    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> ScheduleConfig {
        var config = ScheduleConfig(strategy: try d.required("schedule.strategy"), runs: try d.optional("schedule.runs"),
                                    depth: try d.required("schedule.depth"), preemptions: try d.optional("schedule.preemptions"),
                                    shrinkNs: try d.required("schedule.shrink", as: Nanoseconds.self).ns)
        config.timeBudgetNs = try d.optional("schedule.time", as: Nanoseconds.self)?.ns
        return config
    }
}

extension ScheduleStrategy: ConfigWord {}
