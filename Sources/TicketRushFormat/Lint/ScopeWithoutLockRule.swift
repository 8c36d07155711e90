import TicketRushModel
extension LintRule {
    /// A lock scope written out while there is no lock to scope.
    package static let scopeWithoutLock = LintRule(
        "scope-without-lock",
        "lock.scope written while lock.mode is none: it has no effect"
    ) { doc, warn in
        guard doc.scenario.lock.mode == .none, doc.writes("lock.scope") else { return [] }
        return [warn(at: "lock.scope",
            "lock.scope has no effect while lock.mode is none; remove it or choose a lock mode")]
    }
}
