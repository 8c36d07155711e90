import TicketRushModel
import TicketRushEngines

/// The database keys of `storage:` (and `lock.ttl`): their shape, the checks that span
/// keys (a mode the engine cannot run, a key for another engine, a malformed url), and
/// the model. Their defaults depend on the kind, so the fields carry none: an absent key
/// stays absent, and `build` fills the model's default.
package enum StorageSchema {
    package static let fields: [Field] = [
        Field("journal", .choice(SQLiteJournal.allCases.map(\.rawValue)),
              "sqlite: the journal mode, delete (rollback journal) or wal (default \(StorageConfig.defaultJournal.rawValue))"),
        Field("busy_timeout", .duration,
              "sqlite: how long a statement waits for another connection's lock before SQLITE_BUSY (default \(DurationText.format(StorageConfig.defaultBusyTimeoutNs)))"),
        Field("url", .text(nonEmpty: true),
              "postgres, redis, mariadb: an existing server (postgres://user@host:port/db, redis://host:port or unix:///path/redis.sock, mariadb://user@localhost/db?socket=/path/mysqld.sock); omitted: a private server the runner starts and stops"),
        Field("isolation", .choice(Isolation.allCases.map(\.rawValue)),
              "postgres, mariadb: the isolation level of every transaction (default \(StorageConfig.defaultIsolation.rawValue)); a session case on sqlite: serializable (its own connections, the default) or read-uncommitted (one shared cache, PRAGMA read_uncommitted)"),
    ]

    package static let ttlField = Field("ttl", .duration,
        "advisory on redis: the lock key's expiry (SET NX PX); a holder slower than this loses the lock (default \(DurationText.format(LockConfig.defaultTTLNs)))")

    /// The storage the checked tree describes, every default filled in.
    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> StorageConfig {
        let kind: StorageKind = try d.required("storage.kind")
        return StorageConfig(
            kind: kind, path: try d.optional("storage.path") ?? StorageConfig.defaultPath(for: kind), write: try d.required("storage.write"),
            journal: try d.optional("storage.journal") ?? StorageConfig.defaultJournal,
            busyTimeoutNs: try d.optional("storage.busy_timeout", as: Nanoseconds.self)?.ns ?? StorageConfig.defaultBusyTimeoutNs,
            url: try d.optional("storage.url"),
            isolation: try d.optional("storage.isolation") ?? StorageConfig.defaultIsolation)
    }

    /// `value` with the storage keys whose default depends on the kind written out as the
    /// model has them (`path`, and the engine's own keys), so `show` prints what runs.
    package static func filled(_ value: ConfigValue, _ scenario: Scenario) -> ConfigValue {
        guard case .object(var fields) = value, case .object(var storage)? = fields["storage"] else { return value }
        let s = scenario.storage
        storage["path"] = storage["path"] ?? .text(s.path)
        // The engine's own keys with a default, as the descriptor lists them.
        let defaults: [String: ConfigValue] = [
            "journal": .word(s.journal), "busy_timeout": .duration(s.busyTimeoutNs), "isolation": .word(s.isolation),
        ]
        for (key, value) in defaults where s.kind.descriptor.keys.contains(key) { storage[key] = storage[key] ?? value }
        fields["storage"] = .object(storage)
        if s.kind.descriptor.lockKeys["ttl"]?.contains(scenario.lock.mode) == true, case .object(var lock)? = fields["lock"] {
            lock["ttl"] = lock["ttl"] ?? .duration(scenario.lock.ttlNs)
            fields["lock"] = .object(lock)
        }
        return .object(fields)
    }

    /// Located errors for keys that do not fit together.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        let kind = value["storage"]?["kind"]?.text.flatMap(StorageKind.named) ?? StorageConfig.defaultKind
        let mode = value["lock"]?["mode"]?.text.flatMap(LockMode.init(rawValue:))
        var out: [Diagnostic] = []
        func at(_ key: String) -> SourceLocation {
            var k = key
            while true {
                if let l = locations[k] { return l }
                guard let cut = k.lastIndex(of: ".") else { break }
                k = String(k[..<cut])
            }
            return locations[""] ?? SourceLocation(path: path, line: 1, column: 1)
        }
        if let mode, !kind.modes.contains(mode) {
            let valid = kind.modes.map(\.rawValue).joined(separator: ", ")
            let runIt = StorageKind.allCases.filter { $0.modes.contains(mode) }.map(\.rawValue)
            out.append(Diagnostic(at: at("lock.mode"), "'lock.mode' \(mode.rawValue) does not run on storage.kind \(kind.rawValue)"
                                  + (kind.isDatabase ? "" : " (a database mode: use \(list(runIt)))") + "; valid: \(valid)"))
        }
        // A key only some engines take: their descriptors list it.
        for key in StorageKind.allCases.reduce(into: Set<String>(), { $0.formUnion($1.descriptor.keys) }).sorted()
        where value["storage"]?[key] != nil && !kind.descriptor.keys.contains(key) && !SessionsSchema.takes(key, kind: kind, value) {
            let kinds = StorageKind.allCases.filter { $0.descriptor.keys.contains(key) }.map(\.rawValue)
            out.append(Diagnostic(at: at("storage.\(key)"), "'storage.\(key)' applies to storage.kind \(list(kinds)), not \(kind.rawValue)"))
        }
        // Controlled schedules gate the JSON store's steps (read, truncate, write, rename); an engine has no gates for
        // built-in buyers. A protocol program (buyers.command) reports its own steps, on any store (docs/programs.md).
        if kind.isDatabase, value["buyers"]?["command"] == nil, let strategy = value["schedule"]?["strategy"]?.text,
           strategy != ScheduleStrategy.timing.rawValue {
            out.append(Diagnostic(at: at("schedule.strategy"), "'schedule.strategy' \(strategy) gates the built-in buyers' steps on the JSON store; storage.kind \(kind.rawValue) has no gates for them: use schedule: timing, or a protocol program (buyers.command) that reports its steps"))
        }
        if value["lock"]?["ttl"] != nil, !(mode.map { kind.descriptor.lockKeys["ttl"]?.contains($0) == true } ?? false) {
            let places = StorageKind.allCases.compactMap { k in
                k.descriptor.lockKeys["ttl"].map { "lock.mode \($0.map(\.rawValue).sorted().joined(separator: " or ")) on storage.kind \(k.rawValue)" }
            }
            out.append(Diagnostic(at: at("lock.ttl"), "'lock.ttl' applies to \(places.joined(separator: ", ")) only"))
        }
        if let url = value["storage"]?["url"]?.text, kind.isServer, let why = urlProblem(url, kind) {
            out.append(Diagnostic(at: at("storage.url"), "'storage.url' \(why)"))
        }
        return out
    }

    private static func list(_ names: [String]) -> String {
        names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Why `url` is not a server address for `kind`, or nil.
    package static func urlProblem(_ url: String, _ kind: StorageKind) -> String? {
        guard let server = kind.descriptor.server else { return "applies to server engines only" }
        let schemes = server.urlSchemes
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            return "must start with \(schemes.joined(separator: " or ")), got '\(redactedURL(url))'"
        }
        let rest = url.dropFirst(scheme.count)
        if url.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) { return "may not contain spaces, got '\(redactedURL(url))'" }
        if scheme == "unix://" {
            return rest.hasPrefix("/") ? nil : "unix:// needs an absolute socket path (unix:///path/redis.sock), got '\(redactedURL(url))'"
        }
        if server.urlNeedsHost {
            let hostPort = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let host = hostPort.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            if host.isEmpty { return "names no host, got '\(redactedURL(url))'" }
            if let colon = host.lastIndex(of: ":") {
                let port = host[host.index(after: colon)...]
                guard let p = Int(port), p > 0, p < 65536 else { return "has a bad port '\(port)'" }
            }
        }
        return nil
    }
}
