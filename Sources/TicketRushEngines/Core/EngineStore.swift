#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import CTicketRushEngines
import TicketRushModel

/// Where a buyer finds its database, fixed by the runner before the first fork.
package struct EngineTarget: Sendable, Equatable {
    package var kind: StorageKind
    /// sqlite: the database file; postgres: a conninfo string or URL; redis: a socket path
    /// (starting with '/') or a host.
    package var location: String
    /// redis over TCP: the port.
    package var port: Int = 0
    /// postgres: the trial's table; redis: the trial's key (its lock key adds ":lock").
    package var name: String = "tickets"
    package var isolation: Isolation = .readCommitted
    package var busyTimeoutMs: Int = 5000
    package var ttlMs: Int = 2000
    /// Where buyers append the engines' messages, one line each (the runner reads it after reaping).
    package var messageLog: String = ""
    /// The engine's behaviour, chosen by the runner from its registry before the fork.
    package var backend: (any EngineBackend.Type)? = nil
    /// The runner's calls (setup, final read, drop): how long the server has to answer each,
    /// and an interrupt ends them. 0 for buyers: the trial's teardown bounds theirs.
    package var answerWithinNs: UInt64 = 0
    /// False for a call made after an interrupt (the drop): only its deadline ends it.
    package var interruptible = true

    package init(kind: StorageKind, location: String, port: Int = 0, name: String = "tickets", isolation: Isolation = .readCommitted,
                 busyTimeoutMs: Int = 5000, ttlMs: Int = 2000, messageLog: String = "") {
        self.kind = kind
        self.location = location
        self.port = port
        self.name = name
        self.isolation = isolation
        self.busyTimeoutMs = busyTimeoutMs
        self.ttlMs = ttlMs
        self.messageLog = messageLog
    }
}

extension EngineTarget {
    package static func == (a: EngineTarget, b: EngineTarget) -> Bool {
        a.kind == b.kind && a.location == b.location && a.port == b.port && a.name == b.name && a.isolation == b.isolation
            && a.busyTimeoutMs == b.busyTimeoutMs && a.ttlMs == b.ttlMs && a.messageLog == b.messageLog
            && a.backend.map(ObjectIdentifier.init) == b.backend.map(ObjectIdentifier.init) && a.answerWithinNs == b.answerWithinNs
    }

    /// The bound of one runner call starting now; nil for a buyer's.
    var bound: tr_db_bound? {
        guard answerWithinNs > 0 else { return nil }
        return tr_db_bound(deadline_ns: MonotonicClock.now() + answerWithinNs, interrupted: interruptible ? tr_interrupted : nil, stop_on_signal: 0)
    }

    /// Why a bounded call ended without an answer: `server` names the server ("PostgreSQL").
    func unanswered(_ status: Int32, server: String, at place: String) -> EngineUnanswered {
        EngineUnanswered(interrupted: status == TR_DB_INTERRUPTED,
                         description: status == TR_DB_INTERRUPTED
                            ? "interrupted while waiting for the \(server) server at \(place)"
                            : "the \(server) server at \(place) did not answer within \(DurationText.format(Int64(answerWithinNs)))")
    }
}

/// A runner's call to a server that did not answer within its bound (`EngineTarget.answerWithinNs`),
/// or that an interrupt (SIGINT, SIGTERM) ended; the connection was closed.
package struct EngineUnanswered: Error, CustomStringConvertible {
    package var interrupted: Bool
    package var description: String
}

/// What one statement or command did, as the engine's C client reported it.
package struct EngineReply {
    package enum Status: Equatable { case ok, retry(RetryReason), failed }
    package var status: Status
    package var changes: Int
    package var row: (Int, Int)?
    package var isNil: Bool
    /// `EngineCode` of a failure.
    package var code: Int64
    package var message: String
    /// A bounded call's end without an answer: TR_DB_UNANSWERED or TR_DB_INTERRUPTED (0: answered or failed).
    package var unanswered: Int32 = 0

    init(_ r: tr_db_result, kind: StorageKind) {
        if r.status == TR_DB_UNANSWERED || r.status == TR_DB_INTERRUPTED { unanswered = r.status }
        changes = Int(r.changes)
        row = r.has_row != 0 ? (Int(r.v0), Int(r.v1)) : nil
        isNil = r.is_nil != 0
        message = withUnsafeBytes(of: r.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        // The engine's descriptor maps its codes: how one is kept, and which are retried.
        let d = kind.descriptor
        var key = ""
        switch d.errorCodes {
        case .sqlstate:
            let state = withUnsafeBytes(of: r.sqlstate) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            key = state.isEmpty ? "XX000" : state
            code = EngineCode.sqlstate(key)
        case .flag: code = EngineCode.redisFlag
        case .errorNumber:
            key = "\(r.code)"
            code = EngineCode.mariadb(Int(r.code))
        case .resultCode:
            key = "\(r.code & 0xff)"  // the primary code of an extended one
            code = Int64(r.code)
        case .none: code = Int64(r.code)
        }
        if r.status == 0 { status = .ok } else { status = d.retryCodes[key].map { .retry($0) } ?? .failed }
    }

    package init(status: Status, changes: Int = -1, row: (Int, Int)? = nil, isNil: Bool = false, code: Int64 = 0, message: String = "") {
        self.status = status
        self.changes = changes
        self.row = row
        self.isNil = isNil
        self.code = code
        self.message = message
    }
}

/// A buyer's own database handle: its store, and in the engine's modes its lock too.
/// Connects in the child, after fork and before the barrier. Allocation-free it is not:
/// statements are strings built per call (the JSON path stays allocation-free).
package enum EngineStore {
    /// The buyer's handles; `isLock` when the engine itself is the concurrency control.
    package struct Handles {
        package var store: any TicketStore
        package var lock: any BuyerLock
        package var isLock: Bool
    }

    package static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int) -> Handles {
        let isLock = mode.traits.engineRuns
        let strategy = isLock ? mode : .none
        // The runner sets the backend of every target it hands a buyer (EngineTrial.prepare).
        let s = target.backend!.connect(target, mode: strategy, buyer: buyer)
        return Handles(store: s, lock: s, isLock: isLock)
    }

    /// Appends "buyer N: message" to the trial's message log (best effort).
    static func log(_ target: EngineTarget, buyer: Int, _ message: String) {
        guard !target.messageLog.isEmpty else { return }
        let fd = open(target.messageLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var line = "buyer \(buyer + 1): \(message)\n"
        line.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}
