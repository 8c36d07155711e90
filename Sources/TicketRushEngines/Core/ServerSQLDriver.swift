#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// A server engine's SQL driver as the runner uses it: a connection per call (never kept
/// across a fork), bounded by the target.
package protocol ServerSQLDriver: SQLDriver {
    init(_ target: EngineTarget)
    /// The runner's calls: every call on this connection ends by this (nil: a buyer's, unbounded).
    var bound: tr_db_bound? { get set }
    /// The server as the runner's messages name it: "PostgreSQL".
    static var serverName: String { get }
}

extension ServerSQLDriver {
    /// The runner's side: `statements` on a short-lived connection (before a fork or after
    /// reaping; never kept across a fork), the connection and all of them within
    /// `target.answerWithinNs` (docs/storage.md). Returns the last reply, or the first
    /// failure; throws when the server did not answer in time.
    package static func run(_ target: EngineTarget, _ statements: [String]) throws(EngineUnanswered) -> EngineReply {
        var rest = statements[...]
        return try session(target) { _ in rest.popFirst() }
    }

    /// The runner's side, like `run`, for statements each chosen from the reply before it
    /// (`next(nil)` is the first; nil ends): a workload's keyset reads on one connection.
    package static func session(_ target: EngineTarget, _ next: (EngineReply?) -> String?) throws(EngineUnanswered) -> EngineReply {
        let driver = Self(target)
        driver.bound = target.bound
        var last = driver.connect() ?? EngineReply(status: .ok)
        var previous: EngineReply? = nil
        while last.status == .ok, last.unanswered == 0, let statement = next(previous) {
            last = driver.execute(statement)
            previous = last
        }
        if last.unanswered != 0 {
            throw target.unanswered(last.unanswered, server: serverName, at: redactedURL(target.location))
        }
        return last
    }
}

/// A server engine's backend whose counter is one table per trial, made, read, dropped and
/// connected to through its `Driver`: one body for PostgreSQL and MariaDB.
package protocol ServerSQLBackend: EngineBackend {
    associatedtype Driver: ServerSQLDriver
}

extension ServerSQLBackend {
    package static func storeName(tag: String, serial: Int) -> String { "ticketrush_\(tag)_\(serial)" }

    package static func create(_ target: EngineTarget, tickets: Int, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        let r = try Driver.run(target, SQLStatements.create(target.name, tickets: tickets))
        return r.status == .ok ? nil : "\(EngineCode.text(r.code)): \(r.message)"
    }

    package static func finalRead(_ target: EngineTarget) throws(EngineUnanswered) -> StoreRead {
        let r = try Driver.run(target, ["SELECT count, version FROM \(target.name) WHERE id = 1"])
        return r.status == .ok ? r.row.map { .count($0.0) } ?? .failed(errno: ENOENT) : .failed(errno: EIO_CODE)
    }

    package static func drop(_ target: EngineTarget) throws(EngineUnanswered) {
        _ = try Driver.run(target, ["DROP TABLE IF EXISTS \(target.name)"])
    }

    package static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int) -> any TicketStore & BuyerLock {
        SQLStore(driver: Driver(target), target: target, mode: mode, buyer: buyer)
    }
}
