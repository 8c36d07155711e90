import TicketRushModel

/// The `schedule:` key of the format: timing, or a controlled strategy (docs/schedules.md).
package enum ScheduleSchema {
    package static let field = Field("schedule", .object([
        Field("strategy", .choice(ScheduleStrategy.allCases.map(\.rawValue)), default: .word(ScheduleConfig.defaultStrategy),
              ScheduleStrategy.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
        Field("runs", .integer(min: 1, max: nil),
              "schedules to run, each a fresh trial (random, pct; default \(ScheduleConfig.defaultRuns)); for exhaustive a cap (default \(ScheduleConfig.defaultExhaustiveCap)) past which the search says it is incomplete"),
        Field("depth", .integer(min: 1, max: nil), default: .int(ScheduleConfig.defaultDepth), "pct: the bug depth d (d-1 priority change points)"),
        Field("preemptions", .integer(min: 0, max: nil), "exhaustive: at most this many preemptions per schedule (omit: unbounded, with sleep-set reduction)"),
        Field("shrink", .duration, default: .duration(ScheduleConfig.defaultShrinkNs), "how long shrinking a counterexample may take (0: do not shrink)"),
    ], shorthand: "strategy"), default: .object([:]),
    "who decides the interleaving: timing (default) or a controlled strategy; a bare word is {strategy: WORD}")

    /// A controlled strategy drives the built-in buyer's gates: a program buyer has none.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        guard let strategy = value["schedule"]?["strategy"]?.text, strategy != ScheduleStrategy.timing.rawValue else { return [] }
        let program = value["buyers"]?["command"] != nil || value["program"]?["command"] != nil
        guard program else { return [] }
        let at = locations["schedule.strategy"] ?? locations["schedule"] ?? SourceLocation(path: path, line: 1, column: 1)
        return [Diagnostic(at: at, "'schedule.strategy' \(strategy) controls the built-in buyer's steps; a program buyer (buyers.command / program.command) has no gates: use schedule: timing")]
    }

    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> ScheduleConfig {
        ScheduleConfig(strategy: try d.required("schedule.strategy"), runs: try d.optional("schedule.runs"),
                       depth: try d.required("schedule.depth"), preemptions: try d.optional("schedule.preemptions"),
                       shrinkNs: try d.required("schedule.shrink", as: Nanoseconds.self).ns)
    }
}

extension ScheduleStrategy: ConfigWord {}
