/// Why a trial's history is not the whole story. A checker that needs every event cannot
/// judge such a history: it says `unknown` with this reason (Jepsen: incomplete → unknown).
public enum Incompleteness: Sendable, Codable, Equatable, Hashable {
    /// Records on the event pipe that did not decode (unknown kind, torn frame).
    case malformed(records: Int)
    /// Events past the trial's bound were dropped unread.
    case overflow(limit: Int)
    /// Buyers (0-based) that exited without reporting `done`, though the runner did not
    /// kill them: their last steps may be missing.
    case vanished(buyers: [Int])
    /// Pattern or protocol events of a whole program that named no buyer (or none of
    /// `buyers.count`): they count toward totals, but per-buyer invariants cannot be judged.
    case unattributed(lines: Int)
    /// The database server did not answer one of the runner's calls in time (setup, final
    /// read): what the trial shows is the server's silence, not the scenario.
    case server(unanswered: String)

    /// True when the gap hides only who did what, not what was done: checkers that need no
    /// attribution (totals) judge as if complete.
    public var onlyAttribution: Bool {
        if case .unattributed = self { return true }
        return false
    }

    /// True for a server that did not answer: no verdict stands on such a trial, not even
    /// one from exit statuses and the timeout (the server's silence made those).
    public var isServer: Bool {
        if case .server = self { return true }
        return false
    }

    /// One line for reports: "3 malformed event records".
    public var reason: String {
        switch self {
        case .malformed(let n): return "\(plural(n, "malformed event record")) (not decoded)"
        case .overflow(let limit): return "more than \(limit) events: the rest were dropped"
        case .unattributed(let n):
            return "\(plural(n, "program line")) named no buyer (counted in totals, not attributed)"
        case .server(let why): return why
        case .vanished(let buyers):
            return "\(plural(buyers.count, "buyer")) exited without reporting done (buyer \(buyers.prefix(5).map { String($0 + 1) }.joined(separator: ", "))\(buyers.count > 5 ? ", …" : ""))"
        }
    }
}

/// One task of one buyer, as evidence names it (both 0-based).
public struct TaskRef: Sendable, Codable, Hashable, Comparable {
    public var buyer: Int
    public var task: Int

    public init(buyer: Int, task: Int) {
        self.buyer = buyer
        self.task = task
    }

    public static func < (a: TaskRef, b: TaskRef) -> Bool { (a.buyer, a.task) < (b.buyer, b.task) }
}
