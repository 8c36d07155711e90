#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild

/// Where a server engine listens: a private server's socket, or a given `url`.
public struct EngineEndpoint: Sendable, Equatable {
    public var kind: StorageKind
    /// postgres: a libpq conninfo string or URL; redis: a socket path or a host.
    public var location: String
    /// redis over TCP.
    public var port: Int = 0
    /// True for a server the runner started (and stops).
    public var isPrivate: Bool

    public init(kind: StorageKind, location: String, port: Int = 0, isPrivate: Bool) {
        self.kind = kind
        self.location = location
        self.port = port
        self.isPrivate = isPrivate
    }

    /// A given server's address from `storage.url` (checked by the format).
    public init(url: String, kind: StorageKind) {
        self.kind = kind
        isPrivate = false
        if kind == .postgres {
            location = url
            return
        }
        if url.hasPrefix("unix://") {
            location = String(url.dropFirst("unix://".count))
            return
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]) {
            location = String(rest[..<colon])
            port = p
        } else {
            location = String(rest)
            port = 6379
        }
    }
}

/// Which engines this machine has, and what to install for those it lacks.
public enum EngineAvailability {
    /// nil when `scenario` can run here, else why not with the Debian packages to install.
    public static func missing(_ scenario: Scenario) -> String? {
        let kind = scenario.storage.kind
        if let why = ClientLibraries.problem(kind) { return why }
        let install = "apt-get install " + kind.debianPackages.joined(separator: " ")
        switch kind {
        case .json, .sqlite: return nil
        case .postgres:
            if scenario.storage.url != nil { return nil }
            return PostgresServer.binaries() == nil ? "PostgreSQL server not found (initdb, postgres): \(install)" : nil
        case .redis:
            if let why = RedisStore.clientProblem() { return "\(why): \(install)" }
            if scenario.storage.url != nil { return nil }
            return RedisServer.binary() == nil ? "redis-server not found: \(install)" : nil
        }
    }
}

/// The first executable among `candidates`, or one named `name` on PATH.
func findExecutable(_ name: String, candidates: [String] = []) -> String? {
    for c in candidates where access(c, X_OK) == 0 { return c }
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let c = "\(dir)/\(name)"
        if access(c, X_OK) == 0 { return c }
    }
    return nil
}
