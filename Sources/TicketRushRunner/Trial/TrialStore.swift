#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines
import TicketRushChild

/// A trial's store, as the session sees it: made fresh in the trial folder before the first
/// fork, read once at the end, dropped. The JSON document, or a database engine's table or
/// key (EngineTrial, TicketRushEngines); the calls into either are here and nowhere else in Trial/.
final class TrialStore {
    let scenario: Scenario
    let path: String
    /// What the lock mode shares between buyers (nil: the buyers' own program locks).
    let context: LockContext?
    /// A database engine's trial state (nil for the JSON file).
    let engine: EngineTrial?

    /// The store and, for built-in buyers, the lock. A database scenario's table or key for
    /// program buyers, and for built-in buyers under timing (`database`: an engine has no
    /// gates for them); everything else runs on the JSON document.
    init(_ scenario: Scenario, trial: Int, folder: String, endpoint: EngineEndpoint?, builtIn: Bool, database: Bool) throws {
        self.scenario = scenario
        let isDatabase = (!builtIn || database) && scenario.storage.kind.isDatabase
        path = isDatabase ? try storagePath(of: scenario, in: folder) : try createDocument(of: scenario, in: folder)
        engine = isDatabase ? try EngineTrial.prepare(scenario, folder: folder, storagePath: path, endpoint: endpoint) : nil
        guard builtIn else {
            context = nil
            return
        }
        // The owner's pid is in the name: a later run sweeps it if this process dies (StaleSemaphores).
        let context = LockContext(
            lockFilePath: path + ".lock",
            semaphoreName: StaleSemaphores.name(owner: getpid(), trial: trial + 1, unique: MonotonicClock.now()),
            mutexPath: path + ".mutex")
        do { try scenario.lock.mode.prepare(context) } catch let e as SystemError {
            engine?.drop()
            throw RunnerError.system(e)
        }
        self.context = context
    }

    /// The lock's shared state removed and the engine's table or key dropped; once.
    func cleanUp() {
        if let context { scenario.lock.mode.cleanUp(context) }
        engine?.drop()
    }

    /// The count as the store holds it at the end; a workload's: the units not sold
    /// (tickets − sold), so conservation compares what the store holds with the purchases.
    func finalRead() -> StoreRead {
        if let workload = scenario.workload {
            guard let state = finalWorkload() else { return .failed(errno: EIO) }
            return .count(scenario.tickets - state.sold(workload))
        }
        return engine?.finalRead() ?? JSONFileStore(path: path, mode: scenario.storage.write, tag: -1).read()
    }

    /// A workload's state as the store holds it at the end (nil: none, or unreadable).
    func finalWorkload() -> WorkloadState? {
        guard let workload = scenario.workload else { return nil }
        if let engine { return engine.finalWorkload(workload) }
        let maxRows = scenario.buyers.count * max(scenario.buyers.wants, 1)
        let doc = WorkloadDocument(file: CPath(path), mode: scenario.storage.write, keys: workload.keyCount, maxRows: maxRows, tag: -1)
        guard case .count = doc.read() else { return nil }
        return doc.state
    }

    /// Where a program buyer finds the store (docs/programs.md): `{url}` — a server's conninfo
    /// or URL (a private Redis as `unix://SOCKET`), a file's path — and `{table}` — the trial's
    /// table, or Redis key; empty for the JSON document.
    var programAddress: (url: String, table: String) {
        guard let target = engine?.target else { return (path, "") }
        if !scenario.storage.kind.isServer { return (path, target.name) }
        if let given = scenario.storage.url { return (given, target.name) }
        if target.kind == .redis {
            return (target.location.hasPrefix("/") ? "unix://\(target.location)" : "redis://\(target.location):\(target.port)", target.name)
        }
        return (target.location, target.name)
    }

    /// The store as a controlled schedule's story shows it after a step.
    func storyDocument() -> String {
        guard let engine else { return StoryDocument.read(path) }
        switch engine.finalRead() {
        case .count(let n): return "{\"count\": \(n)}"
        case .torn(let bytes): return "(torn, \(bytes) bytes)"
        case .failed(let e): return "(unreadable: \(String(cString: strerror(e))))"
        }
    }

    /// What the report calls the lock.
    var lockLabel: String {
        guard let context else { return "the program's own lock" }
        let mode = scenario.lock.mode
        if engine != nil && (mode.isEngineMode || mode == .optimistic) { return "\(scenario.storage.kind.rawValue) \(mode.rawValue)" }
        return mode.label(context)
    }

    /// Why the trial cannot be judged: the database server did not answer the runner in time.
    var serverSilence: String? { engine?.unanswered }
    /// True when an interrupt ended one of the runner's calls to the server.
    var serverInterrupted: Bool { engine?.interrupted ?? false }

    /// The engine's own messages (errors it reported), for the history.
    var engineMessages: [String] { engine?.messages() ?? [] }
}
