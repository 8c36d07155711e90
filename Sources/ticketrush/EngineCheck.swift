import TicketRushModel
import TicketRushFormat
import TicketRushChild

/// `validate`'s check of the machine: a `kind: redis` scenario needs hiredis, which the
/// build does not link (it is loaded at run time), so a machine without it is told what to install.
enum EngineCheck {
    static func problems(_ paths: [String]) -> [Diagnostic] {
        guard let why = RedisStore.clientProblem() else { return [] }
        let scenarios = (try? ScenarioFiles.load(paths)) ?? []
        return scenarios.filter { $0.storage.kind == .redis }.map { s in
            Diagnostic(at: s.origin ?? SourceLocation(path: s.name, line: 1, column: 1),
                       "scenario '\(s.name)' uses storage.kind redis, but \(why): apt-get install \(StorageKind.redis.debianPackages.joined(separator: " "))")
        }
    }
}
