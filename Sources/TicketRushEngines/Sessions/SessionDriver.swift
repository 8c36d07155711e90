import CTicketRush
import TicketRushModel

/// A step's answer: its error (`state` as the engine names it) or its rows.
package struct SessionAnswer {
    package var error: (state: String, message: String)?
    package var rows: [String]
}

/// Where a blocked statement waits, which decides how the driver retries and who ends a deadlock.
package enum SessionWaits {
    /// On the server (PostgreSQL, MariaDB): the blocked sessions are asked in session order,
    /// round again while any finished; when all wait, the server's deadlock detector ends one.
    case onServer
    /// Nowhere (SQLite, no busy timeout): the statement returned at once and is tried again,
    /// in the order they blocked, from the first again after one finishes. When all are
    /// blocked nothing can change: the last to block fails with `deadlock`, its transaction
    /// rolled back.
    case inRunner(deadlock: (state: String, message: String))
}

/// One run's connections, one per session of the case, as `SessionDriver` plays them.
package protocol SessionConnections: AnyObject {
    var waits: SessionWaits { get }
    /// The engine, as its failures start: "postgres".
    var engine: String { get }
    /// Starts `sql` on the session's connection; `poll` gives its answer.
    func send(_ session: Int, _ sql: String) throws(SessionFailure)
    /// The answer of the session's statement once it finished, nil while it has not (waits a
    /// few ms at most).
    func poll(_ session: Int) throws(SessionFailure) -> SessionAnswer?
    /// Whether the engine says the session's unfinished statement waits for another session.
    func isBlocked(_ session: Int) throws(SessionFailure) -> Bool
    /// Rolls back a deadlock victim's open transaction (`inRunner` only): false when none was open.
    func rollBack(_ session: Int) throws(SessionFailure) -> Bool
    /// Ends every connection (and what is still in flight on it).
    func close()
}

/// One run of a session case (docs/isolation.md) over an engine's connections: play the
/// chosen step, settle it (finished or blocked), retry the blocked, end a deadlock.
package struct SessionDriver<Connections: SessionConnections> {
    let c: SessionCase
    let conns: Connections
    let deadline: UInt64
    var next: [Int]
    /// Sessions whose statement is blocked, in the order they blocked.
    var blocked: [(session: Int, step: StepRef)] = []
    /// Deadlock victims whose transaction was rolled back: their steps up to its end do not run.
    var aborted = Set<Int>()
    package var run = SessionRun()

    package init(_ c: SessionCase, _ conns: Connections, deadline: UInt64) {
        self.c = c
        self.conns = conns
        self.deadline = deadline
        next = Array(repeating: 0, count: c.sessions.count)
    }

    /// Plays `c` to its end, choosing each step with `choose` from the sessions that can move.
    package mutating func play(choose: ([Int]) -> Result<Int, SessionStuck>) throws(SessionFailure) {
        while true {
            try interruptCheck()
            let movable = c.sessions.indices.filter { s in next[s] < c.sessions[s].statements.count && !blocked.contains { $0.session == s } }
            if movable.isEmpty {
                if blocked.isEmpty { return }
                switch conns.waits {
                case .onServer:
                    // Every unfinished session waits: the server's deadlock detector ends one.
                    guard try retryBlocked(untilOneEnds: true) else {
                        run.stuck = "every unfinished session stayed blocked"
                        return
                    }
                case .inRunner(let deadlock):
                    try breakDeadlock(deadlock)
                }
                continue
            }
            let session: Int
            switch choose(movable) {
            case .success(let s): session = s
            case .failure(let stuck):
                run.stuck = stuck.reason
                return
            }
            let step = StepRef(session: session, index: next[session])
            next[session] += 1
            run.started.append(step)
            if aborted.contains(session) {
                if Self.endsTransaction(c.statement(step)) { aborted.remove(session) }
                run.finished.append(StepOutcome(step: step, error: ("not run", "its transaction was rolled back after a deadlock")))
                continue
            }
            try conns.send(session, c.statement(step))
            if try settle(session, step) { _ = try retryBlocked(untilOneEnds: false) }
        }
    }

    /// Waits until the step finishes (true) or the engine says it is blocked (false).
    mutating func settle(_ session: Int, _ step: StepRef) throws(SessionFailure) -> Bool {
        switch try waitOut(session, step, wasBlocked: false) {
        case .finished: return true
        case .blocked:
            blocked.append((session, step))
            return false
        case .late: throw SessionFailure(description: "\(conns.engine): \(c.label(step)) neither finished nor blocked within the run's timeout")
        }
    }

    enum Wait { case finished, blocked, late }

    /// Polls the session's statement until it finishes, the engine says it is blocked, or the
    /// run's deadline passes.
    mutating func waitOut(_ session: Int, _ step: StepRef, wasBlocked: Bool) throws(SessionFailure) -> Wait {
        while true {
            if let a = try conns.poll(session) {
                run.finished.append(StepOutcome(step: step, blocked: wasBlocked, error: a.error, rows: a.rows.sorted()))
                return .finished
            }
            if try conns.isBlocked(session) { return .blocked }
            try interruptCheck()
            guard MonotonicClock.now() < deadline else { return .late }
        }
    }

    /// After a step finished, each blocked session either finishes or is still blocked (a
    /// commit may have freed it); a finish may free others, so it goes round again. With
    /// `untilOneEnds` (every unfinished session waits), it keeps asking until one finishes:
    /// false when the deadline passed first.
    mutating func retryBlocked(untilOneEnds: Bool) throws(SessionFailure) -> Bool {
        var endedAny = false
        while true {
            var ended = false
            for (session, step) in retryOrder() where blocked.contains(where: { $0.session == session }) {
                switch try waitOut(session, step, wasBlocked: true) {
                case .finished:
                    blocked.removeAll { $0.session == session }
                    ended = true
                case .blocked: continue
                case .late: return false
                }
                if case .inRunner = conns.waits { break }
            }
            endedAny = endedAny || ended
            if ended { continue }
            if !untilOneEnds || endedAny { return true }
            guard MonotonicClock.now() < deadline else { return false }
        }
    }

    func retryOrder() -> [(session: Int, step: StepRef)] {
        if case .onServer = conns.waits { return blocked.sorted { $0.session < $1.session } }
        return blocked
    }

    /// The session that blocked last closed the cycle: its step fails, and its transaction is
    /// rolled back (as SQLite tells an application to, and as PostgreSQL's detector does
    /// itself); the others are tried again.
    mutating func breakDeadlock(_ error: (state: String, message: String)) throws(SessionFailure) {
        let (victim, step) = blocked.removeLast()
        run.finished.append(StepOutcome(step: step, blocked: true, error: error))
        if try conns.rollBack(victim), !Self.endsTransaction(c.statement(step)) { aborted.insert(victim) }
        _ = try retryBlocked(untilOneEnds: false)
    }

    /// SIGINT/SIGTERM end a wait at once: the run's teardown stops the server.
    func interruptCheck() throws(SessionFailure) {
        if tr_interrupted() != 0 { throw SessionFailure(description: "interrupted") }
    }

    static func endsTransaction(_ sql: String) -> Bool {
        let word = String(sql.drop { $0 == " " || $0 == "\n" || $0 == "\t" }.prefix { $0.isLetter }).lowercased()
        return ["commit", "end", "rollback", "abort"].contains(word)
    }
}
