import TicketRushModel

/// What one storage engine is, as data: the loader, the lint rules, `validate`, the
/// availability check and the trial code read it instead of switching over kinds. Its
/// behaviour (client calls; creating, reading and dropping a trial's store) is its
/// `EngineBackend`, its private server a `PrivateServer`, both in its folder beside it and
/// named with it in `EngineRegistry` (docs/architecture.md, "Adding an engine").
public struct EngineDescriptor: Sendable {
    /// `storage.kind`.
    public let name: String
    /// One line for the schema's help.
    public let summary: String
    /// The engine's own lock modes and what each does on it (its statements, in words);
    /// the file-lock modes run beside every engine (the lock-mode table's non-engine rows).
    public let modes: [LockMode: String]
    /// The C client buyers load; nil for the JSON file.
    public let client: ClientLibrary?
    /// The private server started when `storage.url` is absent; nil for a serverless engine.
    public let server: ServerSpec?
    /// The `storage:` keys only this engine (and others naming them) takes.
    public let keys: Set<String>
    /// Keys of `lock:` that apply only under some modes on this engine (`ttl` on redis advisory).
    public let lockKeys: [String: Set<LockMode>]
    /// The file a trial keeps its store in when `storage.path` is not given.
    public let defaultPath: String
    /// How an engine error's code is kept (`EngineCode`).
    public let errorCodes: ErrorCodes
    /// The codes that end in a retry rather than an error, as text: a SQLSTATE, or a
    /// primary result code or error number in decimal.
    public let retryCodes: [String: RetryReason]

    public enum ErrorCodes: Sendable {
        /// The file has none.
        case none
        /// An integer result code (SQLite's extended result code).
        case resultCode
        /// A five-character SQLSTATE.
        case sqlstate
        /// Only "an error" (Redis replies carry text, no code).
        case flag
        /// A MySQL/MariaDB error number (1213: deadlock; its SQLSTATE 40001 is shared by others, 1205's is HY000).
        case errorNumber
    }

    public init(name: String, summary: String, modes: [LockMode: String] = [:], client: ClientLibrary? = nil,
                server: ServerSpec? = nil, keys: Set<String> = [], lockKeys: [String: Set<LockMode>] = [:],
                defaultPath: String = "db.json", errorCodes: ErrorCodes = .none, retryCodes: [String: RetryReason] = [:]) {
        self.name = name
        self.summary = summary
        self.modes = modes
        self.client = client
        self.server = server
        self.keys = keys
        self.lockKeys = lockKeys
        self.defaultPath = defaultPath
        self.errorCodes = errorCodes
        self.retryCodes = retryCodes
    }

    /// Every Debian package the engine needs on the machine, client first.
    public var packages: [String] { [client?.package, server?.package].compactMap { $0 } }

    /// The one install line every message about a missing piece of this engine gives.
    public var installLine: String { "apt-get install " + packages.joined(separator: " ") }
}

/// A client library, loaded with dlopen at run time (never linked).
public struct ClientLibrary: Sendable {
    /// How messages name it ("libsqlite3").
    public let name: String
    /// The shared objects tried in order.
    public let sonames: [String]
    /// An environment variable naming the library to load instead (a path or a soname), for
    /// libraries in unusual places (docs/storage.md, "Client libraries").
    public let environment: String
    /// The Debian package to install: the -dev package, whose name does not change between
    /// releases (the runtime package's does: libhiredis0.14, libhiredis1.1.0) and which
    /// pulls the runtime library in.
    public let package: String
    /// The descriptor's file under Sources/, which reads `environment` (docs/environment.md).
    public let declaredIn: String

    public init(name: String, sonames: [String], environment: String, package: String, file: String = #filePath) {
        self.name = name
        self.sonames = sonames
        self.environment = environment
        self.package = package
        declaredIn = file.components(after: "/Sources/")
    }
}

/// A server engine: where a given server is (`storage.url`) and what a private one needs.
public struct ServerSpec: Sendable {
    /// The Debian package with the server's binaries.
    public let package: String
    /// The binaries a private server runs (for messages).
    public let binaries: [String]
    /// The schemes `storage.url` may start with.
    public let urlSchemes: [String]
    /// True when a URL (other than unix://) must name a host.
    public let urlNeedsHost: Bool
    /// The port of a URL that names none; nil when the client takes the URL whole (libpq).
    public let defaultPort: Int?

    public init(package: String, binaries: [String], urlSchemes: [String], urlNeedsHost: Bool, defaultPort: Int? = nil) {
        self.package = package
        self.binaries = binaries
        self.urlSchemes = urlSchemes
        self.urlNeedsHost = urlNeedsHost
        self.defaultPort = defaultPort
    }
}

extension String {
    /// The part after the last `marker`, or the whole string.
    fileprivate func components(after marker: String) -> String {
        var rest = Substring(self)
        while let r = rest.firstRange(of: marker) { rest = rest[r.upperBound...] }
        return String(rest)
    }
}
