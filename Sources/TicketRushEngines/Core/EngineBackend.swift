#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// An engine's behaviour beside its descriptor (`EngineDescriptor`, the data): loading its
/// client, a trial's store made before the first fork, read after reaping and dropped (by
/// the runner, on short-lived connections), and a buyer's own connection after fork.
package protocol EngineBackend: SendableMetatype {
    /// Loads the client from `library` (a soname or a path; nil: only when already loaded).
    /// nil, or why not.
    static func load(_ library: String?) -> String?
    /// The trial's table or key name, unique per run (`tag`) and trial (`serial`).
    static func storeName(tag: String, serial: Int) -> String
    /// Makes the trial's store at `target`; nil, or why not. Each call to a server throws
    /// when it does not answer within `target.answerWithinNs` or an interrupt ends it.
    static func create(_ target: EngineTarget, tickets: Int, storage: StorageConfig) throws(EngineUnanswered) -> String?
    /// The stored count after every buyer was reaped.
    static func finalRead(_ target: EngineTarget) throws(EngineUnanswered) -> StoreRead
    /// Drops the trial's table or key (a file goes with the trial folder).
    static func drop(_ target: EngineTarget) throws(EngineUnanswered)
    /// Drops the stores that runs on this machine (`machine`, as in the tag) left in a given
    /// server when they were killed: those whose maker (pid, start time) `isGone`.
    static func sweep(_ target: EngineTarget, machine: String, isGone: (Int32, UInt64) -> Bool)
    /// A buyer's store, which is also its lock in the engine's modes.
    static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int) -> any TicketStore & BuyerLock
    /// Workloads (docs/workloads.md): the trial's tables made fresh; nil, or why not.
    static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) throws(EngineUnanswered) -> String?
    /// Workloads: the state after every buyer was reaped; nil when unreadable.
    static func readWorkload(_ target: EngineTarget, _ workload: Workload) throws(EngineUnanswered) -> WorkloadState?
    /// Workloads: a buyer's own connection, running `mode`'s statements.
    static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore
}

extension EngineBackend {
    package static func storeName(tag: String, serial: Int) -> String { "tickets" }
    package static func drop(_ target: EngineTarget) {}
    package static func sweep(_ target: EngineTarget, machine: String, isGone: (Int32, UInt64) -> Bool) {}
    package static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) -> String? {
        "storage.kind \(target.kind.rawValue) has no workload statements"
    }
    package static func readWorkload(_ target: EngineTarget, _ workload: Workload) -> WorkloadState? { nil }
    package static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        UnsupportedWorkloadStore()
    }
}

/// Loading the client library an engine's descriptor names: `$ENVIRONMENT` when set (a
/// library in an unusual place), else its sonames in order.
package enum EngineClient {
    /// nil when `kind`'s client is loaded (or it needs none); else what was tried, why it
    /// failed, and the engine's one install line. `backend` is the engine's, from the
    /// registry (`EngineRegistry`).
    package static func problem(_ kind: StorageKind, _ backend: (any EngineBackend.Type)?) -> String? {
        guard let library = kind.descriptor.client else { return nil }
        guard let backend else { return "storage.kind \(kind.rawValue) has no backend in EngineRegistry (a build defect)" }
        if backend.load(nil) == nil { return nil }
        let chosen = getenv(library.environment).map { String(cString: $0) }
        var why = ""
        for name in chosen.map({ [$0] }) ?? library.sonames {
            guard let failed = backend.load(name) else { return nil }
            why = failed
        }
        let source = chosen.map { _ in "; named by \(library.environment)" } ?? ""
        return "\(library.name) is not installed (\(why)\(source)): \(kind.descriptor.installLine)"
    }
}

/// One C loader's answer as a Swift value.
func loaded(_ call: (UnsafeMutablePointer<CChar>, Int32) -> Int32) -> String? {
    var message = [CChar](repeating: 0, count: 240)
    return message.withUnsafeMutableBufferPointer { call($0.baseAddress!, Int32($0.count)) } == 0 ? nil : cMessage(message)
}

/// A C call's message buffer up to its NUL, as `String(cString:)` read it (deprecated on arrays).
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
