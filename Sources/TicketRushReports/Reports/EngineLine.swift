import TicketRushModel
import TicketRushChecks

/// A database cell's engine line, the same in the terminal, JUnit and HTML: which engine,
/// at which isolation, what the lock mode does there, and how often purchases retried and
/// why (`engine: postgres, READ COMMITTED, …; retries: 0.40 per purchase (serialization
/// failure 4)`). Nil for the JSON file, which has no engine to explain.
package enum EngineLine {
    package static func text(_ r: ScenarioReport) -> String? {
        let s = r.scenario
        guard let isolation = isolation(s) else { return nil }
        // A session case has no buyers, locks or purchases: its sessions run at the level.
        if let c = s.sessions {
            let version = r.trials.last?.isolation.map { " \($0.version)" } ?? ""
            // SQLite's sessions may share one cache and read uncommitted rows (docs/isolation.md).
            let level = s.storage.kind.rawValue == "sqlite" && s.storage.isolation == .readUncommitted
                ? "isolation READ UNCOMMITTED (shared cache, journal \(s.storage.journal.rawValue))" : isolation
            return "engine: \(s.storage.kind.rawValue)\(version), \(level); sessions \(c.sessions.map(\.name).joined(separator: ", "))"
        }
        var text = "engine: \(s.storage.kind.rawValue), \(isolation); lock \(s.lock.mode.rawValue)"
        if let holds = LockNarration(s).holds { text += ": " + holds }
        text += "; " + retries(r.trials, storage: s.storage.kind.rawValue)
        return text
    }

    /// The isolation a buyer's transaction runs at, in the engine's words; nil off a database.
    package static func isolation(_ s: Scenario) -> String? {
        switch s.storage.kind.rawValue {
        case "postgres": return "isolation \(s.storage.isolation.sql)"
        case "mariadb": return "isolation \(s.storage.isolation.sql) (InnoDB)"
        // SQLite runs every transaction SERIALIZABLE (one writer at a time); the journal decides what readers see.
        case "sqlite": return "isolation SERIALIZABLE (journal \(s.storage.journal.rawValue))"
        // One command at a time; MULTI/EXEC runs its queue with nothing in between, reads outside it see anything.
        case "redis": return "single-threaded commands (MULTI/EXEC runs its queue atomically; WATCH aborts it on a change)"
        default: return nil
        }
    }

    /// "retries: 0.40 per purchase (12 in 30 purchases): serialization failure 10, deadlock detected 2".
    package static func retries(_ trials: [TrialRecord], storage: String) -> String {
        let total = trials.reduce(0) { $0 + ($1.retries ?? 0) }
        let purchases = trials.reduce(0) { $0 + $1.sold }
        guard total > 0 else { return "retries: none (\(plural(purchases, "purchase")))" }
        var reasons: [String: Int] = [:]
        for t in trials { for (k, v) in t.retryReasons ?? [:] { reasons[k, default: 0] += v } }
        let perPurchase = purchases > 0 ? fixed(Double(total) / Double(purchases), places: 2) + " per purchase" : "no purchase completed"
        let why = reasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            .map { "\(storage == "redis" && $0.key == RetryReason.conflict.name ? "WATCH abort" : $0.key) \($0.value)" }
        return "retries: \(perPurchase) (\(total) in \(plural(purchases, "purchase")))" + (why.isEmpty ? "" : ": " + why.joined(separator: ", "))
    }
}

extension EngineLine {
    /// A database cell the engine failed: what happened and the next step, for the summary,
    /// JUnit, HTML and each unmet entry. `nothing` when no buyer got through at all (every
    /// trial ended with the engine's errors and no purchase): its invariants held only
    /// vacuously, so the summary says so instead of "never violated". Nil when the engine
    /// left no message, or its trials could all be judged.
    package static func trouble(_ r: ScenarioReport) -> (what: String, next: String, nothing: Bool)? {
        let s = r.scenario
        guard isolation(s) != nil, !r.trials.isEmpty,
              let first = r.trials.lazy.compactMap({ $0.engineMessages?.first }).first else { return nil }
        let engine = s.storage.kind.rawValue
        let nothing = r.trials.allSatisfy { $0.sold == 0 && $0.engineMessages != nil && $0.latenciesNs.isEmpty }
        guard nothing || r.invariants.contains(where: { $0.unknown > 0 }) else { return nil }
        let failed = r.trials.filter { $0.engineMessages != nil }.count
        let what = nothing ? "nothing ran: in \(plural(r.trials.count, "trial")) no buyer got through to \(engine) (\(first))"
            : "\(engine) failed in \(failed) of \(plural(r.trials.count, "trial")) (\(first)); what their buyers did cannot be judged"
        let rerun = Rerun.cell(s, seed: r.seed)
        if let url = s.storage.url {
            return (what, "next: check that the server at \(redactedURL(url)) is running and accepts connections, or remove storage.url to let the run start a private server; then: \(rerun)", nothing)
        }
        return (what, "next: if the run's private \(engine) server was stopped, killed or ran out of disk or memory (check free space in /tmp), rerun: \(rerun)", nothing)
    }
}
