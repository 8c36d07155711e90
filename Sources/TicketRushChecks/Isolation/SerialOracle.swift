import TicketRushModel

/// Whether a run of a session case is serializable, judged by the engine itself: the run is
/// explained by some serial run of its committed transactions (each session's in its own
/// order) that returns the same rows at every step and leaves the same tables. No case's
/// outcome is typed in: Hermitage's "anomaly" is a run no serial order explains.
public enum SerialOracle {
    /// One transaction of a session: `begin` … `commit`/`rollback`, or one statement outside them.
    public struct Transaction: Sendable, Equatable {
        public var session: Int
        public var steps: [StepRef]
        /// Ends with `commit` (or `end`), or is one statement on its own (autocommit).
        public var endsInCommit: Bool
    }

    public enum Outcome: String, Sendable {
        case anomaly, prevented
    }

    /// How a serializable run came about, as isolation.csv's `how` says it.
    public enum How: String, Sendable {
        case serializationFailure = "serialization failure"
        case deadlock
        case blocked
        case result
    }

    static func keyword(_ sql: String) -> String {
        String(sql.drop { $0 == " " || $0 == "\n" || $0 == "\t" }.prefix { $0.isLetter }).lowercased()
    }

    /// Each session's transactions, in order.
    public static func transactions(_ c: SessionCase) -> [Transaction] {
        var out: [Transaction] = []
        for (si, session) in c.sessions.enumerated() {
            var open: Transaction?
            for (i, sql) in session.statements.enumerated() {
                let word = keyword(sql)
                let step = StepRef(session: si, index: i)
                if word == "begin" || (word == "start" && sql.lowercased().contains("transaction")) {
                    if let t = open { out.append(t) }
                    open = Transaction(session: si, steps: [step], endsInCommit: false)
                } else if var t = open {
                    t.steps.append(step)
                    if ["commit", "end", "rollback", "abort"].contains(word) {
                        t.endsInCommit = word == "commit" || word == "end"
                        out.append(t)
                        open = nil
                    } else {
                        open = t
                    }
                } else {
                    out.append(Transaction(session: si, steps: [step], endsInCommit: true))
                }
            }
            // A transaction left open at the session's end is rolled back when it disconnects.
            if let t = open { out.append(t) }
        }
        return out
    }

    /// The transactions of `run` that committed: ended in commit, every step finished, none failed.
    public static func committed(_ c: SessionCase, _ run: SessionRun) -> [Transaction] {
        transactions(c).filter { t in
            t.endsInCommit && t.steps.allSatisfy { run.outcome($0).map { $0.error == nil } ?? false }
        }
    }

    /// Every serial order of `txns` that keeps each session's transactions in their order.
    public static func serialOrders(_ txns: [Transaction]) -> [[Transaction]] {
        var bySession: [Int: [Transaction]] = [:]
        for t in txns { bySession[t.session, default: []].append(t) }
        let sessions = bySession.keys.sorted()
        var out: [[Transaction]] = []
        var taken = Dictionary(uniqueKeysWithValues: sessions.map { ($0, 0) })
        var prefix: [Transaction] = []
        func walk() {
            if prefix.count == txns.count {
                out.append(prefix)
                return
            }
            for s in sessions where taken[s]! < bySession[s]!.count {
                prefix.append(bySession[s]![taken[s]!])
                taken[s]! += 1
                walk()
                taken[s]! -= 1
                prefix.removeLast()
            }
        }
        walk()
        return out
    }

    /// The steps of a serial order, one after another.
    public static func steps(_ order: [Transaction]) -> [StepRef] { order.flatMap(\.steps) }

    /// Whether `serial` (a run of `order`'s steps) explains `observed`: every committed step
    /// returned the same rows without error in both, and the final tables are equal.
    public static func explains(serial: SessionRun, observed: SessionRun, order: [Transaction]) -> Bool {
        guard serial.stuck == nil, serial.finalState == observed.finalState else { return false }
        for step in steps(order) {
            guard let s = serial.outcome(step), let o = observed.outcome(step), s.error == nil, o.error == nil, s.rows == o.rows else { return false }
        }
        return true
    }

    /// How a run no serial order failed to explain was kept serializable: by the engine's
    /// refusal (a serialization failure or deadlock), by a session made to wait, or by what
    /// the steps returned.
    public static func how(_ run: SessionRun) -> How {
        let states = Set(run.finished.compactMap { $0.error?.state })
        if states.contains("40001") { return .serializationFailure }
        if states.contains("40P01") { return .deadlock }
        if run.finished.contains(where: \.blocked) { return .blocked }
        return .result
    }
}
