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

    /// A transaction's name in evidence: its session's (`T1`), or with its place when the
    /// session has several (`T1#2`).
    public static func label(_ t: Transaction, in c: SessionCase) -> String {
        let all = transactions(c).filter { $0.session == t.session }
        let name = c.sessions[t.session].name
        guard all.count > 1, let n = all.firstIndex(of: t) else { return name }
        return "\(name)#\(n + 1)"
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
        mismatch(serial: serial, observed: observed, order: order, label: { "\($0)" }) == nil
    }

    /// Where `serial` first differs from `observed` ("T2.2 returned 1|11, not 1|10"), or nil.
    public static func mismatch(serial: SessionRun, observed: SessionRun, order: [Transaction], label: (StepRef) -> String) -> String? {
        if let stuck = serial.stuck { return "the serial run could not finish: \(stuck)" }
        for step in steps(order) {
            guard let s = serial.outcome(step), let o = observed.outcome(step) else { return "\(label(step)) did not run" }
            if let e = s.error { return "\(label(step)) failed alone: SQLSTATE \(e.state)" }
            if s.rows != o.rows { return "\(label(step)) returned \(rowsText(s.rows)), not \(rowsText(o.rows))" }
        }
        if serial.finalState != observed.finalState {
            return "the tables end as \(rowsText(serial.finalState)), not \(rowsText(observed.finalState))"
        }
        return nil
    }

    /// The first `anomaly_if` alternative `run` shows, in words ("T2.2 returned 1|101"), or nil.
    public static func effect(_ c: SessionCase, _ run: SessionRun) -> String? {
        for alternative in c.anomalyIf where !alternative.isEmpty {
            let all = alternative.allSatisfy { want in run.outcome(want.step).map { $0.error == nil && $0.rows.contains(want.row) } ?? false }
            if all { return alternative.map { "\(c.label($0.step)) returned \($0.row)" }.joined(separator: " and ") }
        }
        return nil
    }

    /// Rows as evidence prints them: `1|10, 2|20`, or `no rows`.
    public static func rowsText(_ rows: [String]) -> String { rows.isEmpty ? "no rows" : rows.joined(separator: ", ") }

    /// How a run no serial order failed to explain was kept serializable: by the engine's
    /// refusal (a serialization failure or deadlock), by a session made to wait, or by what
    /// the steps returned.
    /// `refusal` says which error codes are the engine's refusals (PostgreSQL's SQLSTATEs by default).
    public static func how(_ run: SessionRun, refusal: (String) -> How? = postgresRefusal) -> How {
        let refusals = Set(run.finished.compactMap { $0.error.flatMap { refusal($0.state) } })
        if refusals.contains(.serializationFailure) { return .serializationFailure }
        if refusals.contains(.deadlock) { return .deadlock }
        if run.finished.contains(where: \.blocked) { return .blocked }
        return .result
    }

    /// PostgreSQL's: 40001 serialization failure, 40P01 deadlock.
    public static func postgresRefusal(_ state: String) -> How? {
        state == "40001" ? .serializationFailure : state == "40P01" ? .deadlock : nil
    }
}
