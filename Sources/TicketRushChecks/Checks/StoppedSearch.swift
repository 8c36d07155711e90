import TicketRushModel

/// A controlled search that stopped before covering its space. A hold over it claims only
/// the schedules explored: "holds in N explored schedules" when the scenario chose that
/// budget (`schedule.runs`, `schedule.time`), and not judged at all when a default bound
/// stopped it (issue 19: an exhaustive search cut by the default cap passed green).
public struct StoppedSearch: Sendable, Equatable {
    public var stop: SearchStop
    /// Schedules run to the end and judged.
    public var explored: Int
    /// What stopped it, for the reports ("the default cap of 100000 schedules").
    public var by: String

    public init(stop: SearchStop, explored: Int, by: String) {
        self.stop = stop
        self.explored = explored
        self.by = by
    }

    /// "holds in 50 explored schedules".
    public var holdsText: String { "holds in \(plural(explored, "explored schedule"))" }

    /// The hold's summary when the search stopped short and nothing violated it.
    public var holdSummary: String {
        if stop.setByScenario {
            return "\(holdsText) (not every interleaving: the search stopped at \(by))"
        }
        return "not judged: the search stopped at \(by) after \(plural(explored, "schedule")), before covering every interleaving (none of them violated it); set schedule.runs or schedule.time to accept a bounded search, or make the space smaller (preemptions, buyers)"
    }
}
