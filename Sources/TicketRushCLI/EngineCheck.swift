import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushRunner

/// `validate`'s check of the machine: a `kind: redis` scenario needs hiredis, which the
/// build does not link (it is loaded at run time), so a machine without it is told what to install.
enum EngineCheck {
    static func problems(_ paths: [String]) -> [Diagnostic] {
        // A fully static binary does not load hiredis; `run` continues in ticketrush-engines,
        // which checks it there (or says that it is missing).
        if !ClientLibraries.loadable, ClientLibraries.sibling != nil { return [] }
        let why: String
        if let hop = ClientLibraries.problem(.redis) {
            why = hop
        } else if let missing = RedisStore.clientProblem() {
            why = missing + ": apt-get install " + StorageKind.redis.debianPackages.joined(separator: " ")
        } else {
            return []
        }
        let scenarios = (try? ScenarioFiles.load(paths)) ?? []
        return scenarios.filter { $0.storage.kind == .redis }.map { s in
            Diagnostic(at: s.origin ?? SourceLocation(path: s.name, line: 1, column: 1),
                       "scenario '\(s.name)' uses storage.kind redis, but \(why)")
        }
    }
}
