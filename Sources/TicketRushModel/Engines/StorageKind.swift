/// The registry of storage engines: one case and one descriptor line per engine
/// (docs/storage.md). Everything else about an engine is in its descriptor file.
public enum StorageKind: String, Sendable, Codable, CaseIterable {
    case json
    case sqlite
    case postgres
    case redis

    public var descriptor: EngineDescriptor {
        switch self {
        case .json: return .json
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        case .redis: return .redis
        }
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
