import CTicketRush
import TicketRushModel
import TicketRushChecks
import TicketRushEngines

/// Runs a session case (docs/isolation.md) as one cell: its permutations, or every order the
/// server lets happen (depth first, up to `schedule.runs`). Each run is a trial judged
/// `serializable` by serial replay; the last record carries the coverage and isolation.csv's row.
package struct SessionCaseRunner {
    package let scenario: Scenario
    package let seed: UInt64
    /// Where a serverless engine (SQLite) keeps its database files.
    package let folder: String

    package init(scenario: Scenario, seed: UInt64, folder: String) {
        self.scenario = scenario
        self.seed = seed
        self.folder = folder
    }

    package func run(record: (TrialRecord) throws -> Void) throws {
        guard let c = scenario.sessions else { return }
        let kind = scenario.storage.kind
        let endpoint = scenario.storage.url.map { EngineEndpoint(url: $0, kind: kind) } ?? TrialSession.privateEndpoints[kind]
        let db: any SessionEngine
        let version: String
        do {
            db = try SessionEngines.open(scenario, endpoint: endpoint, folder: folder)
            // One run (an order) may take the scenario's timeout; then it is stuck, not a hang.
            db.runTimeoutNs = UInt64(max(scenario.timeoutNs, 1))
            version = try db.version()
        } catch {
            throw RunnerError.unsupported("\(scenario.name): \(error.description)")
        }
        var tally = Tally()
        var held: TrialRecord?
        func visit(_ run: SessionRun) throws -> Bool {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            let r = try self.judged(run, c, db, trial: tally.runs, tally: &tally)
            if let previous = held { try record(previous) }
            held = r
            return true
        }
        var complete = true
        do {
            if c.permutations.isEmpty {
                complete = try db.explore(c, limit: scenario.schedule.plannedRuns, visit: visit).complete
            } else {
                for order in c.permutations { _ = try visit(try db.run(c, order: order)) }
            }
        } catch let e as SessionFailure {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            throw RunnerError.unsupported("\(scenario.name): \(e.description)")
        }
        guard var last = held else { return }
        last.exploration = summary(c, tally, complete: complete)
        if let name = c.caseName {
            // The case's own effect decides when it has one; else serializability does.
            let anomalies = c.anomalyIf.isEmpty ? tally.violating : tally.effects
            let outcome = anomalies > 0 ? "anomaly" : (tally.unknown > 0 || !complete ? "unknown" : "prevented")
            last.isolation = IsolationRow(engine: kind.rawValue, version: version, isolation: db.isolationName,
                                          caseName: name, outcome: outcome, how: outcome == "prevented" ? tally.hows.sorted().joined(separator: "+") : "")
        }
        try record(last)
    }

    struct Tally {
        var runs = 0
        var violating = 0
        var unknown = 0
        var hows = Set<String>()
        /// no-anomaly: runs that showed the case's effect.
        var effects = 0
    }

    private func judged(_ run: SessionRun, _ c: SessionCase, _ db: any SessionEngine, trial: Int, tally: inout Tally) throws -> TrialRecord {
        let evidence: SessionEvidence
        do { evidence = try db.judge(c, run) } catch { throw RunnerError.unsupported("\(scenario.name): \(error.description)") }
        let verdict: Verdict = evidence.stuck != nil ? .unknown : evidence.explainedBy != nil ? .holds : .violated
        tally.runs += 1
        if verdict == .violated { tally.violating += 1 }
        if verdict == .unknown { tally.unknown += 1 }
        // How this run stayed clear of the anomaly, from the run itself (the effect of
        // anomaly_if may be absent while the run is unserializable for another reason).
        tally.hows.insert(db.how(run).rawValue)
        var h = TrialHistory(trial: trial, seed: seed, tickets: 0, buyerNames: c.sessions.map(\.name), wants: 1, events: [], exits: [],
                             finalRead: .count(0))
        h.storage = scenario.storage.kind.rawValue
        h.readsCanTear = false
        var results = [CheckResult(invariant: .serializable, verdict: verdict, evidence: .serialization(evidence), name: h.name)]
        if !c.anomalyIf.isEmpty {
            let seen = SerialOracle.effect(c, run)
            if seen != nil { tally.effects += 1 }
            let v: Verdict = run.stuck != nil ? .unknown : seen != nil ? .violated : .holds
            results.append(CheckResult(invariant: .noAnomaly, verdict: v, evidence: .caseEffect(steps: evidence.steps, seen: seen, stuck: run.stuck), name: h.name))
        }
        let r = TrialRecord(history: h, scenario: scenario.name, results: results, keepTimeline: false)
        return r
    }

    private func summary(_ c: SessionCase, _ t: Tally, complete: Bool) -> ScheduleSummary {
        let how = c.permutations.isEmpty ? "exhaustive" : "permutations"
        var text = "\(how): \(t.runs) \(t.runs == 1 ? "order" : "orders")"
        if c.permutations.isEmpty { text += complete ? ", complete" : ", incomplete" }
        text += t.violating > 0 ? "; not serializable in \(t.violating)" : "; each explained by a serial order"
        var s = ScheduleSummary(strategy: how, runs: t.runs, complete: c.permutations.isEmpty ? complete : nil, violating: t.violating, statement: text)
        if !complete { s.stoppedBy = scenario.schedule.runs != nil ? .runs : .defaultCap }
        return s
    }
}
