#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushEngines
import TicketRushModel
import TicketRushSchedule

/// What `ticketrush run` was asked to do: its options, parsed, with the environment it reads.
package struct RunOptions: Sendable {
    package var paths = ["scenarios"]
    package var reports = "reports"
    package var junit: String?
    package var trials: Int?
    package var seed: UInt64?
    package var cell: String?
    /// `--filter/-k`: name patterns (NameFilter); empty keeps every scenario.
    package var filter: [String] = []
    /// 1-based, as on the command line.
    package var trial: Int?
    /// `K/N` or `auto`.
    package var shard: String?
    package var jobs = 1
    package var events: String?
    /// `--export elle`: each trial's transactional history as elle-cli JSON in the reports folder.
    package var export: [String] = []
    package var work: String?
    package var schedule: String?
    package var scheduleReplay: String?
    /// `--fail-fast`: every controlled search stops at its first counterexample.
    package var failFast = false
    package var buyers: Int?
    package var tickets: Int?
    package var wants: Int?
    package var transcript = false
    package var quiet = false
    package var format = OutputFormat.text
    package var shards: Int?
    /// `--balance`, `--balance-from DIR`: shards by cost, not count (ShardUnits).
    package var balance = false
    package var balanceFrom: String?
    package var rerunFailed = false
    /// `--trust-reports`: `--rerun-failed` may run any file trials.json names.
    package var trustReports = false
    package var requireEngines = false
    /// `--shard auto` and `--format github` read it.
    package var environment: [String: String] = ProcessInfo.processInfo.environment

    package init() {}

    /// A bad option on its own (exit 2), before anything is read.
    package func problem() -> String? {
        if let trials, trials < 1 { return "--trials must be at least 1" }
        if let trial, trial < 1 { return "--trial must be at least 1" }
        // The plan holds one unit per trial: a huge count would abort allocating, not run.
        if let trials, trials > RunBounds.maxTrials { return "--trials must be at most \(RunBounds.maxTrials)" }
        if let trial, trial > RunBounds.maxTrials { return "--trial must be at most \(RunBounds.maxTrials)" }
        if jobs < 1 || jobs > 256 { return "--jobs must be from 1 to 256" }
        if let shard, shard != "auto", Shard(shard) == nil { return "--shard must be K/N with 1 <= K <= N, or auto, got '\(shard)'" }
        if let shards, shards < 1 { return "--shards must be at least 1" }
        if balance || balanceFrom != nil, shard == nil { return "--balance and --balance-from only apply to --shard" }
        if trustReports, !rerunFailed { return "--trust-reports only applies to --rerun-failed" }
        if let other = export.first(where: { $0 != "elle" }) { return "--export '\(other)' is not a format: use elle" }
        return nil
    }

    /// --schedule, --schedule-replay and the shape overrides, applied to the chosen scenarios.
    func applySchedule(_ scenarios: inout [Scenario]) throws(Stop) {
        let overrides = try shapeOverrides()
        var strategy: ScheduleStrategy?
        if let schedule {
            guard let s = ScheduleStrategy(rawValue: schedule) else {
                throw .error("--schedule '\(schedule)' is not a strategy: use one of \(ScheduleStrategy.allCases.map(\.rawValue).joined(separator: ", "))", code: 2)
            }
            strategy = s
        }
        if scheduleReplay != nil, scenarios.count != 1 {
            throw .error("--schedule-replay replays one scenario: name it with --cell (\(scenarios.count) selected)", code: 2)
        }
        for i in scenarios.indices {
            if let buyers { scenarios[i].buyers.count = buyers }
            if let tickets { scenarios[i].tickets = tickets }
            if let wants { scenarios[i].buyers.wants = wants }
            // A pattern program or a whole program has no gates: --schedule leaves it under
            // timing. A protocol program (buyers.command without outcomes) waits at its gate.
            // Built-in buyers on a database engine have no gates either (the gated launcher
            // drives the JSON document): they stay under timing too.
            let gated = scenarios[i].program?.isControllable ?? !scenarios[i].storage.kind.isDatabase
            if let strategy, gated { scenarios[i].schedule.strategy = strategy }
            if scheduleReplay != nil, !gated {
                throw .error("--schedule-replay: \(scenarios[i].name) runs a program judged by outcomes patterns, a whole program (program.command) or built-in buyers on a database engine, which have no gates to schedule", code: 2)
            }
            scenarios[i].schedule.overrides = overrides
            if failFast { scenarios[i].schedule.failFast = true }
            if let text = scheduleReplay {
                do {
                    _ = try ScheduleString.parse(text, for: scenarios[i])
                } catch {
                    throw .error("--schedule-replay: \(error.description)", code: 2)
                }
                scenarios[i].schedule.replay = text
            }
        }
    }

    /// The shape options as a replay command repeats them.
    private func shapeOverrides() throws(Stop) -> [String] {
        var overrides: [String] = []
        if let buyers {
            guard buyers >= 1 else { throw .error("--buyers must be at least 1, got \(buyers)", code: 2) }
            overrides += ["--buyers", "\(buyers)"]
        }
        if let tickets {
            guard tickets >= 0 else { throw .error("--tickets must be at least 0, got \(tickets)", code: 2) }
            overrides += ["--tickets", "\(tickets)"]
        }
        if let wants {
            guard wants >= 1 else { throw .error("--wants must be at least 1, got \(wants)", code: 2) }
            overrides += ["--wants", "\(wants)"]
        }
        return overrides
    }
}

/// `K/N` from --shard.
package struct Shard: Sendable, Equatable {
    package var k: Int
    package var n: Int

    package init(k: Int, n: Int) {
        self.k = k
        self.n = n
    }

    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else { return nil }
        self.k = k
        self.n = n
    }
}
