import TicketRushModel

/// The registry of storage engines: one line per engine, naming its descriptor (the data),
/// its backend (client calls; a trial's store made, read and dropped) and, for a server
/// engine, its private server. Everything else about an engine is in its folder beside
/// this file (docs/architecture.md, "Adding an engine").
package enum EngineRegistry {
    package static let all: [Engine] = [
        Engine(.json),
        Engine(.sqlite, backend: SQLiteBackend.self),
        Engine(.postgres, backend: PostgresBackend.self, server: PostgresServer.self),
        Engine(.redis, backend: RedisBackend.self, server: RedisServer.self),
        Engine(.mariadb, backend: MariaDBBackend.self, server: MariaDBServer.self),
    ]

    package static func engine(_ kind: StorageKind) -> Engine? { all.first { $0.kind == kind } }

    package static func backend(_ kind: StorageKind) -> (any EngineBackend.Type)? { engine(kind)?.backend }

    static func server(_ kind: StorageKind) -> (any PrivateServer.Type)? { engine(kind)?.server }

    /// nil when `kind`'s client library loads here (or it needs none), else why not with its install line.
    package static func clientProblem(_ kind: StorageKind) -> String? { EngineClient.problem(kind, backend(kind)) }
}

/// One registered engine.
package struct Engine: Sendable {
    package let descriptor: EngineDescriptor
    /// nil for the JSON file, whose store is the buyer's own (TicketRushChild).
    package let backend: (any EngineBackend.Type)?
    /// nil for a serverless engine.
    package let server: (any PrivateServer.Type)?

    package var kind: StorageKind { StorageKind(rawValue: descriptor.name) }

    init(_ descriptor: EngineDescriptor, backend: (any EngineBackend.Type)? = nil, server: (any PrivateServer.Type)? = nil) {
        self.descriptor = descriptor
        self.backend = backend
        self.server = server
    }
}

/// What the registry says of a kind, for the loader, lint, the runner and the app.
extension StorageKind {
    /// Every registered engine, in the registry's order.
    public static var allCases: [StorageKind] { EngineRegistry.all.map(\.kind) }

    /// The registered engine of this name, or nil.
    public static func named(_ name: String) -> StorageKind? { allCases.first { $0.rawValue == name } }

    /// Its descriptor. A name no engine has (only from a record another build wrote: the
    /// loader accepts registered names only) reads as an engine with no client, modes or server.
    public var descriptor: EngineDescriptor {
        EngineRegistry.engine(self)?.descriptor ?? EngineDescriptor(name: rawValue, summary: "an engine this build does not have")
    }

    /// True for the database engines: reads cannot tear, locks live in the engine.
    public var isDatabase: Bool { descriptor.client != nil }

    /// True when the engine runs as a server (private or given by `url`).
    public var isServer: Bool { descriptor.server != nil }

    /// The lock modes this engine runs: the file-lock modes beside every engine, and its own.
    public var modes: [LockMode] {
        LockMode.allCases.filter { !$0.isEngineMode || descriptor.modes[$0] != nil }
    }

    /// The Debian packages the engine needs on the machine (client and, for private servers, server).
    public var debianPackages: [String] { descriptor.packages }

    public var summary: String { descriptor.summary }
}

extension StorageConfig {
    /// The file a kind keeps its tickets in when `path` is not given.
    public static func defaultPath(for kind: StorageKind) -> String { kind.descriptor.defaultPath }

    public static let defaultSQLitePath = EngineDescriptor.sqlite.defaultPath
}

extension EnvironmentVariables {
    /// Each registered engine's client-library override, read where its descriptor names it.
    /// Engines sharing a client share its variable: one entry, every descriptor naming it.
    package static var engines: [EnvironmentVariable] {
        var out: [EnvironmentVariable] = []
        for c in EngineRegistry.all.compactMap(\.descriptor.client) {
            if let i = out.firstIndex(where: { $0.name == c.environment }) {
                out[i].readBy.append(c.declaredIn)
                continue
            }
            let usual = c.sonames.count == 1 ? "`\(c.sonames[0])`" : "the first of " + c.sonames.map { "`\($0)`" }.joined(separator: ", ") + " that loads"
            out.append(EnvironmentVariable(c.environment, .user, "The \(c.name) file to load instead of \(usual).", readBy: [c.declaredIn]))
        }
        return out
    }

    /// Every variable the binary reads: the list and the engines' (docs/environment.md).
    package static var everything: [EnvironmentVariable] { all + engines }
}
