import TicketRushModel
import TicketRushEngines

/// `sessions:` and its keys (docs/isolation.md): a scripted isolation case instead of buyers.
package enum SessionsSchema {
    package static let fields: [Field] = [
        Field("setup", .list(.text(nonEmpty: true)), "session cases: statements run first, in the run's fresh schema (create and fill the tables)"),
        Field("sessions", .named(.list(.text(nonEmpty: true))),
              "a scripted isolation case instead of buyers: each session's statements (NAME: [...]), one step each, every session on its own connection at storage.isolation"),
        Field("permutations", .uniqueList(.list(.text(nonEmpty: true))),
              "session cases: the orders to run, each naming every step once as SESSION.N (T1.2); default: every order the server lets happen"),
        Field("anomaly_if", .uniqueList(.named(.text(nonEmpty: true))),
              "session cases: the case's observable effect, a list of alternatives, each {STEP: ROW, …} (T2.2: \"1|101\"): a run shows the anomaly when every step of one alternative returned its row; judged as no-anomaly"),
        Field("case", .text(nonEmpty: true), "session cases: the anomaly the case probes, as Hermitage's columns name it (G0, G1a, P4, G-single, G2-item, …); a run with one writes isolation.csv"),
    ]

    /// Keys a session case has no use for: they describe buyers.
    static let buyerKeys = ["tickets", "buyers", "program", "delays", "faults", "lock", "thresholds", "workload"]

    /// The engines that run session cases.
    static var engines: [StorageKind] { SessionEngines.kinds }

    /// SQLite's levels between its sessions' connections (docs/isolation.md).
    static let sqliteLevels = [Isolation.serializable.rawValue, Isolation.readUncommitted.rawValue]

    /// Whether a session case takes `storage.KEY` on `kind` though buyers there do not:
    /// SQLite's sessions have an isolation (its mode between connections).
    package static func takes(_ key: String, kind: StorageKind, _ value: ConfigValue) -> Bool {
        key == "isolation" && kind == .sqlite && value["sessions"] != nil
    }

    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        func at(_ key: String) -> SourceLocation { locations[key] ?? SourceLocation(path: path, line: 1, column: 1) }
        guard case .object(let sessions)? = value["sessions"] else {
            return ["setup", "permutations", "case", "anomaly_if"].filter { value[$0] != nil }.map {
                Diagnostic(at: at($0), "'\($0)' belongs to a session case: add 'sessions'")
            }
        }
        var out: [Diagnostic] = []
        for key in buyerKeys where locations[key] != nil {
            out.append(Diagnostic(at: at(key), "'\(key)' describes buyers; a scenario with 'sessions' has none"))
        }
        if sessions.isEmpty { out.append(Diagnostic(at: at("sessions"), "'sessions' names no session")) }
        for name in sessions.keys.sorted() where name.contains(".") {
            out.append(Diagnostic(at: at("sessions.\(name):key"), "session name '\(name)' may not contain '.': steps are named SESSION.N"))
        }
        let kind = value["storage"]?["kind"]?.text ?? ""
        if !engines.map(\.rawValue).contains(kind) {
            out.append(Diagnostic(at: locations["storage.kind"] ?? at("sessions"),
                                  "'sessions' run on \(engines.map(\.rawValue).joined(separator: ", ")) (storage.kind \(kind.isEmpty ? "json" : kind) has no sessions yet)"))
        }
        if kind == StorageKind.sqlite.rawValue, let level = value["storage"]?["isolation"]?.text, !sqliteLevels.contains(level) {
            out.append(Diagnostic(at: at("storage.isolation"), "sqlite sessions run at \(sqliteLevels.joined(separator: " or ")) (separate connections, or shared cache with PRAGMA read_uncommitted), not \(level)"))
        }
        if let strategy = value["schedule"]?["strategy"]?.text, strategy != ScheduleStrategy.exhaustive.rawValue, strategy != ScheduleStrategy.timing.rawValue {
            out.append(Diagnostic(at: locations["schedule.strategy"] ?? at("schedule"),
                                  "a session case runs its permutations or every order (exhaustive), not schedule.strategy \(strategy)"))
        }
        if case .list(let written)? = value["invariants"], locations["invariants"] != nil,
           written.contains(where: { !Invariant.sessionOnly.map(\.rawValue).contains($0.text ?? "") }) {
            out.append(Diagnostic(at: at("invariants"), "a session case judges serializable (and no-anomaly with anomaly_if); the others are about tickets and buyers"))
        }
        let c = sessionCase(value)
        if case .list(let entries)? = value["anomaly_if"] {
            for (i, entry) in entries.enumerated() {
                guard case .object(let rows) = entry else { continue }
                for label in rows.keys.sorted() where c.step(named: label) == nil {
                    out.append(Diagnostic(at: at("anomaly_if[\(i)].\(label):key"), "'\(label)' names no step: write SESSION.N with N from 1 (\(c.sessions.map { "\($0.name).1…\($0.statements.count)" }.joined(separator: ", ")))"))
                }
            }
        }
        if case .list(let orders)? = value["permutations"] {
            for (i, order) in orders.enumerated() {
                guard case .list(let steps) = order else { continue }
                var refs: [StepRef] = []
                for (j, step) in steps.enumerated() {
                    let label = step.text ?? ""
                    guard let ref = c.step(named: label) else {
                        out.append(Diagnostic(at: at("permutations[\(i)][\(j)]"), "'\(label)' names no step: write SESSION.N with N from 1 (\(c.sessions.map { "\($0.name).1…\($0.statements.count)" }.joined(separator: ", ")))"))
                        refs = []
                        break
                    }
                    refs.append(ref)
                }
                if !refs.isEmpty, let problem = c.problem(with: refs) {
                    out.append(Diagnostic(at: at("permutations[\(i)]"), "permutation \(i + 1) \(problem): name every step once, each session's in order"))
                }
            }
        }
        return out
    }

    /// The case as written (sessions in name order).
    static func sessionCase(_ value: ConfigValue) -> SessionCase {
        guard case .object(let sessions)? = value["sessions"] else { return SessionCase(setup: [], sessions: []) }
        let list = sessions.keys.sorted().map { name -> SessionCase.Session in
            guard case .list(let items)? = sessions[name] else { return SessionCase.Session(name: name, statements: []) }
            return SessionCase.Session(name: name, statements: items.compactMap(\.text))
        }
        var setup: [String] = []
        if case .list(let items)? = value["setup"] { setup = items.compactMap(\.text) }
        return SessionCase(setup: setup, sessions: list, caseName: value["case"]?.text)
    }

    /// `show`'s form of a session case: without the buyer keys the walker filled in with their
    /// defaults (the loader refuses them beside `sessions`) and without `invariants`, which
    /// the case's keys decide; the text loads back to the same scenario.
    package static func filled(_ value: ConfigValue, _ s: Scenario) -> ConfigValue {
        guard s.sessions != nil, case .object(var fields) = value else { return value }
        for key in buyerKeys + ["invariants"] { fields[key] = nil }
        return .object(fields)
    }

    /// The case, once `check` passed; nil without `sessions`.
    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> SessionCase? {
        guard d.has("sessions") else { return nil }
        var sessions: [SessionCase.Session] = []
        for (name, list) in try d.entries("sessions") {
            var statements: [String] = []
            for item in try list.items("") { statements.append(try item.decode()) }
            sessions.append(SessionCase.Session(name: name, statements: statements))
        }
        var setup: [String] = []
        if d.has("setup") { for item in try d.items("setup") { setup.append(try item.decode()) } }
        var c = SessionCase(setup: setup, sessions: sessions, caseName: try d.optional("case"))
        if d.has("anomaly_if") {
            for entry in try d.items("anomaly_if") {
                var rows: [SessionCase.ExpectedRow] = []
                for (label, row) in try entry.entries("") {
                    guard let step = c.step(named: label) else { throw row.error("", "'\(label)' names no step") }
                    rows.append(SessionCase.ExpectedRow(step: step, row: try row.decode()))
                }
                c.anomalyIf.append(rows)
            }
        }
        if d.has("permutations") {
            for (i, order) in try d.items("permutations").enumerated() {
                var refs: [StepRef] = []
                for item in try order.items("") {
                    let label: String = try item.decode()
                    guard let ref = c.step(named: label) else { throw item.error("", "'\(label)' names no step") }
                    refs.append(ref)
                }
                if let problem = c.problem(with: refs) { throw order.error("", "permutation \(i + 1) \(problem)") }
                c.permutations.append(refs)
            }
        }
        return c
    }
}
