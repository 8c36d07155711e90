/// A scripted isolation case (docs/isolation.md), as PostgreSQL's isolation tester has them:
/// setup statements, then named sessions of statements, each statement a step.
public struct SessionCase: Sendable, Codable, Equatable {
    public struct Session: Sendable, Codable, Equatable {
        public var name: String
        public var statements: [String]
        public init(name: String, statements: [String]) {
            self.name = name
            self.statements = statements
        }
    }

    public var setup: [String]
    public var sessions: [Session]
    /// The orders to run, each naming every step once; empty: every order the server lets happen.
    public var permutations: [[StepRef]]
    /// The anomaly the case probes, as Hermitage names it (P4, G-single, …).
    public var caseName: String?
    /// `anomaly_if`: the case's observable effect — any entry whose every step returned its
    /// row. Hermitage judges some cases (G1b, G1c, OTV) by such an effect, where the run as a
    /// whole may be unserializable for another reason.
    public var anomalyIf: [[ExpectedRow]] = []

    /// A row a step must return (`T2.2: "1|101"`).
    public struct ExpectedRow: Sendable, Codable, Equatable {
        public var step: StepRef
        public var row: String
        public init(step: StepRef, row: String) {
            self.step = step
            self.row = row
        }
    }

    public init(setup: [String], sessions: [Session], permutations: [[StepRef]] = [], caseName: String? = nil) {
        self.setup = setup
        self.sessions = sessions
        self.permutations = permutations
        self.caseName = caseName
    }

    public var stepCount: Int { sessions.reduce(0) { $0 + $1.statements.count } }

    public func statement(_ s: StepRef) -> String { sessions[s.session].statements[s.index] }

    /// `T1.2`: the session's name and the 1-based step.
    public func label(_ s: StepRef) -> String { "\(sessions[s.session].name).\(s.index + 1)" }

    /// The step a label names (`T1.2`), if any.
    public func step(named label: String) -> StepRef? {
        guard let dot = label.lastIndex(of: "."), let n = Int(label[label.index(after: dot)...]),
              let session = sessions.firstIndex(where: { $0.name == label[..<dot] }),
              n >= 1, n <= sessions[session].statements.count else { return nil }
        return StepRef(session: session, index: n - 1)
    }

    /// Why `order` is not a permutation of this case's steps, or nil: every step once, each
    /// session's in its own order.
    public func problem(with order: [StepRef]) -> String? {
        var next = Array(repeating: 0, count: sessions.count)
        for s in order {
            guard s.session < sessions.count, s.index < sessions[s.session].statements.count else { return "names no step" }
            guard s.index == next[s.session] else {
                return s.index < next[s.session] ? "repeats \(label(s))" : "runs \(label(s)) before \(label(StepRef(session: s.session, index: next[s.session])))"
            }
            next[s.session] += 1
        }
        for (i, n) in next.enumerated() where n < sessions[i].statements.count {
            return "leaves out \(label(StepRef(session: i, index: n)))"
        }
        return nil
    }
}

/// One step of a session case: the session's index and the statement's (both 0-based).
public struct StepRef: Sendable, Codable, Hashable {
    public var session: Int
    public var index: Int
    public init(session: Int, index: Int) {
        self.session = session
        self.index = index
    }
}

/// What one step did, as the server answered it.
public struct StepOutcome: Sendable, Equatable {
    public var step: StepRef
    /// The server was asked while the statement ran and said it waited for a lock.
    public var blocked: Bool
    /// SQLSTATE and message when the statement failed.
    public var error: (state: String, message: String)?
    /// The rows returned, one line each (fields joined by '|'), sorted: a result without
    /// ORDER BY has no order to compare.
    public var rows: [String]

    public init(step: StepRef, blocked: Bool = false, error: (state: String, message: String)? = nil, rows: [String] = []) {
        self.step = step
        self.blocked = blocked
        self.error = error
        self.rows = rows
    }

    public static func == (a: StepOutcome, b: StepOutcome) -> Bool {
        a.step == b.step && a.blocked == b.blocked && a.error?.state == b.error?.state && a.error?.message == b.error?.message && a.rows == b.rows
    }
}

/// One run of a case: the order the steps were started in, each step's outcome in the order
/// the steps finished, and every table's rows afterwards.
public struct SessionRun: Sendable, Equatable {
    public var started: [StepRef]
    public var finished: [StepOutcome]
    /// `table: row` lines, sorted.
    public var finalState: [String]
    /// Why the run could not go on (a step of a session still blocked came next; every
    /// unfinished session blocked), or nil.
    public var stuck: String?

    public init(started: [StepRef] = [], finished: [StepOutcome] = [], finalState: [String] = [], stuck: String? = nil) {
        self.started = started
        self.finished = finished
        self.finalState = finalState
        self.stuck = stuck
    }

    public func outcome(_ s: StepRef) -> StepOutcome? { finished.first { $0.step == s } }
}
