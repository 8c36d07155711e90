#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

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
        // A client that takes the URL whole (libpq) has no default port to fill in.
        guard let defaultPort = kind.descriptor.server?.defaultPort else {
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
            port = defaultPort
        }
    }
}

/// Which engines this machine has, and what to install for those it lacks.
public enum EngineAvailability {
    /// nil when `scenario` can run here, else why not with the engine's one install line
    /// (its descriptor's packages): its client library loads, and a private server's binaries are here.
    public static func missing(_ scenario: Scenario) -> String? {
        let kind = scenario.storage.kind
        if let why = ClientLibraries.problem(kind) { return why }
        if let why = EngineRegistry.clientProblem(kind) { return why }
        guard scenario.storage.url == nil, let server = kind.descriptor.server, let type = EngineRegistry.server(kind) else { return nil }
        return type.installed ? nil : "\(kind.rawValue) server not found (\(server.binaries.joined(separator: ", "))): \(kind.descriptor.installLine)"
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
