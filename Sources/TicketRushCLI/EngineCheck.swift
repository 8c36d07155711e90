import TicketRushModel
import TicketRushEngines
import TicketRushFormat
import TicketRushChild
import TicketRushRunner

/// `validate`'s check of the machine: a database scenario needs its engine's client library,
/// which the build does not link (it is loaded at run time), so a machine without it is told
/// what to install — the same words `run` uses when it skips the scenario.
enum EngineCheck {
    static func problems(_ paths: [String]) -> [Diagnostic] {
        // A fully static binary loads no client; `run` continues in ticketrush-engines,
        // which checks it there (or says that it is missing).
        if !ClientLibraries.loadable, ClientLibraries.sibling != nil { return [] }
        let scenarios = (try? ScenarioFiles.load(paths)) ?? []
        // Asked once per kind: "" when the client loads.
        var why: [StorageKind: String] = [:]
        return scenarios.compactMap { s in
            let kind = s.storage.kind
            if why[kind] == nil {
                let problem: String? = ClientLibraries.problem(kind) ?? EngineRegistry.clientProblem(kind)
                why[kind] = problem ?? ""
            }
            guard let problem = why[kind], !problem.isEmpty else { return nil }
            return Diagnostic(at: s.origin ?? SourceLocation(path: s.name, line: 1, column: 1),
                              "scenario '\(s.name)' uses storage.kind \(kind.rawValue), but \(problem)")
        }
    }
}
