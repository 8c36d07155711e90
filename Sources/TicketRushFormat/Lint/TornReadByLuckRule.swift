import TicketRushModel
extension LintRule {
    /// `no-torn-read` expected to hold under real timing while an unlocked read can meet an
    /// in-place write: it holds only while the delays keep reads away from truncates, which a
    /// loaded machine does not promise (the controlled twin schedules-seed-mutex tears in one
    /// preemption).
    package static let tornReadByLuck = LintRule(
        "torn-read-by-luck",
        "no-torn-read expected to hold under timing, with a lock that leaves a read outside it and in-place writes: it holds only by luck"
    ) { doc, warn in
        let s = doc.scenario
        // Only a scenario with a lock: its author trusts the lock to make every invariant
        // hold, and the search outside it is the hole. Without a lock nothing holds but by
        // luck, the torn read no more than the oversell.
        guard s.lock.mode != .none, !s.schedule.isControlled, s.program == nil, s.storage.kind == .json,
              s.storage.write == .inPlace, s.buyers.count > 1, s.tickets > 0,
              s.invariants.contains(.noTornRead), s.expectation(for: .noTornRead) == .hold
        else { return [] }
        // Only an excluding lock around the whole task covers the search; optimistic never
        // locks a read, so every read is open to a write in progress.
        let locksEveryRead = s.lock.mode != .optimistic && s.lock.scope == .task
        guard !locksEveryRead else { return [] }
        let reads = s.lock.mode == .optimistic || s.lock.scope == .write
            ? "no lock covers the reads" : "lock.scope '\(s.lock.scope.rawValue)' leaves the search unlocked"
        let key = doc.writes("expect.no-torn-read") ? "expect.no-torn-read"
            : doc.writes("invariants") ? "invariants"
            : doc.writes("storage.write") ? "storage.write"
            : doc.writes("lock") ? "lock" : "name"
        return [warn(at: key,
            "no-torn-read is expected to hold, but \(reads) and storage.write is in-place: a read that meets a truncate tears, and under timing only the delays (luck, on a loaded machine) keep them apart; write atomically (storage.write: atomic), lock the whole task (lock.scope: task), or leave no-torn-read out of invariants")]
    }
}
