import TicketRushModel

/// A failure of the runner's own calls to an engine running a session case (connect,
/// setup, the blocked question, the dump); a step's own error is its outcome, not this.
package struct SessionFailure: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}

/// Why a run could not go on.
package struct SessionStuck: Error {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
}

/// How an engine refused a step to keep a run serializable (isolation.csv's `how`).
package enum SessionRefusal: String, Sendable {
    case serializationFailure = "serialization failure"
    case deadlock
}

/// An engine that runs session cases (docs/isolation.md): one connection per session, each
/// run from a fresh setup, one step at a time, a step reported blocked only when the
/// engine says so. The runner sees engines only through this.
package protocol SessionEngine: AnyObject {
    /// How long one run may take before it is stuck.
    var runTimeoutNs: UInt64 { get set }
    /// The engine's version, for isolation.csv.
    func version() throws(SessionFailure) -> String
    /// isolation.csv's `isolation`, as the scenario spells it.
    var isolationName: String { get }
    /// An error as evidence prints it: `SQLSTATE 40001: …`.
    func errorText(state: String, message: String) -> String
    /// Whether an error's code is the engine refusing for serializability, and how.
    func refusal(_ state: String) -> SessionRefusal?
    /// Runs `c`, choosing each next step with `choose` from the sessions that can move (not
    /// finished, not blocked); a failure ends the run as stuck with its reason.
    func run(_ c: SessionCase, choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) -> SessionRun
}

extension SessionEngine {
    /// The steps in `order`; a step whose session is still blocked when it comes next
    /// makes the run stuck, as the isolation tester's "cannot proceed".
    package func run(_ c: SessionCase, order: [StepRef]) throws(SessionFailure) -> SessionRun {
        var i = 0
        return try run(c) { movable in
            guard i < order.count else { return .failure(SessionStuck("the order ended before the sessions did")) }
            let s = order[i]
            guard movable.contains(s.session) else { return .failure(SessionStuck("\(c.label(s)) came next while \(c.sessions[s.session].name) was blocked")) }
            i += 1
            return .success(s.session)
        }
    }

    /// Runs `order`, which may leave steps out (a serial run of the committed transactions):
    /// the run ends when the order does.
    package func run(_ c: SessionCase, order: [StepRef], partial: Bool) throws(SessionFailure) -> SessionRun {
        guard partial else { return try run(c, order: order) }
        var i = 0
        var r = try run(c) { movable in
            guard i < order.count else { return .failure(SessionStuck("")) }
            let s = order[i]
            guard movable.contains(s.session) else { return .failure(SessionStuck("\(c.label(s)) came next while \(c.sessions[s.session].name) was blocked")) }
            i += 1
            return .success(s.session)
        }
        if r.stuck == "" { r.stuck = nil }
        return r
    }

    /// Every order the engine lets happen (a blocked session cannot move until it is freed),
    /// depth first, each run from a fresh setup; `visit` returns false to stop. Returns the
    /// runs made and whether the search was complete.
    package func explore(_ c: SessionCase, limit: Int, visit: (SessionRun) throws -> Bool) throws -> (runs: Int, complete: Bool) {
        var pending: [[Int]] = [[]]
        var runs = 0
        while let prefix = pending.popLast() {
            guard runs < limit else { return (runs, false) }
            var choices: [Int] = []
            var alternatives: [[Int]] = []
            let r = try run(c) { movable in
                let d = choices.count
                let pick = d < prefix.count ? prefix[d] : movable[0]
                if d >= prefix.count { alternatives.append(Array(movable.dropFirst())) } else { alternatives.append([]) }
                choices.append(pick)
                return .success(pick)
            }
            runs += 1
            for d in stride(from: alternatives.count - 1, through: 0, by: -1) {
                for alt in alternatives[d].reversed() { pending.append(Array(choices[..<d]) + [alt]) }
            }
            guard try visit(r) else { return (runs, pending.isEmpty) }
        }
        return (runs, true)
    }
}

/// The engines that run session cases, and the one place that picks an engine's.
package enum SessionEngines {
    /// The kinds with session support, in the registry's order.
    package static var kinds: [StorageKind] { [.postgres, .sqlite, .mariadb] }

    /// The engine for `scenario`'s sessions: a server's at `endpoint`, or SQLite's in `folder`.
    package static func open(_ scenario: Scenario, endpoint: EngineEndpoint?, folder: String) throws(SessionFailure) -> any SessionEngine {
        let kind = scenario.storage.kind
        if kind == .sqlite {
            return try SQLiteSessions(folder: folder, journal: scenario.storage.journal, isolation: scenario.storage.isolation)
        }
        guard kind == .postgres || kind == .mariadb else { throw SessionFailure(description: "storage.kind \(kind.rawValue) has no sessions") }
        guard let endpoint else { throw SessionFailure(description: "no \(kind.rawValue) server for its sessions") }
        if kind == .mariadb { return try MariaDBSessions(url: endpoint.location, isolation: scenario.storage.isolation) }
        return try PostgresSessions(conninfo: endpoint.location, isolation: scenario.storage.isolation)
    }
}
