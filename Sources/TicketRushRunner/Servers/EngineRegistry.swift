import TicketRushModel
import TicketRushChild

/// The registry of what each engine does, beside its descriptor (TicketRushModel's
/// `StorageKind`): its backend (TicketRushChild) and, for a server engine, its private
/// server. One line each (docs/architecture.md, "Adding an engine").
package enum EngineRegistry {
    package static func backend(_ kind: StorageKind) -> (any EngineBackend.Type)? {
        switch kind {
        case .sqlite: return SQLiteBackend.self
        case .postgres: return PostgresBackend.self
        case .redis: return RedisBackend.self
        default: return nil  // the JSON file: no client
        }
    }

    static func server(_ kind: StorageKind) -> (any PrivateServer.Type)? {
        switch kind {
        case .postgres: return PostgresServer.self
        case .redis: return RedisServer.self
        default: return nil  // a serverless engine
        }
    }

    /// nil when `kind`'s client library loads here (or it needs none), else why not with its install line.
    package static func clientProblem(_ kind: StorageKind) -> String? { EngineClient.problem(kind, backend(kind)) }
}
