import TicketRushModel
import TicketRushEngines

/// Reads the model out of a checked value tree (`ConfigValue`) by key path, without a
/// single force-unwrap: a missing or mistyped value is a `Diagnostic` located where the
/// key (or the nearest mapping that holds it) stands in the file. After the walker has
/// filled every default this never fails; if it does, a `Field` lost its default or the
/// model asks for a key the schema does not have, and the author sees a located error
/// instead of a crash.
package struct ConfigDecoder {
    /// The value at `prefix`.
    package let value: ConfigValue
    /// This value's key path in the document ("" is the document, `faults[0].kill` an item's action).
    package let prefix: String
    /// Where each key path stands (`SchemaWalker.locations`).
    package let locations: [String: SourceLocation]
    /// Where a key with no location of its own (nor any parent) is reported.
    package let origin: SourceLocation

    package init(_ value: ConfigValue, prefix: String = "", locations: [String: SourceLocation], origin: SourceLocation) {
        self.value = value
        self.prefix = prefix
        self.locations = locations
        self.origin = origin
    }

    /// The value at the dotted `keyPath`, or nil when a key on the way is absent.
    package func has(_ keyPath: String) -> Bool { lookup(keyPath) != nil }

    /// The value at `keyPath`; a missing key is a located error.
    package func required<T: ConfigDecodable>(_ keyPath: String, as type: T.Type = T.self) throws(Diagnostic) -> T {
        guard let found = lookup(keyPath) else { throw missing(keyPath) }
        return try decode(found, keyPath)
    }

    /// The value at `keyPath`, nil when absent; a mistyped value is still a located error.
    package func optional<T: ConfigDecodable>(_ keyPath: String, as type: T.Type = T.self) throws(Diagnostic) -> T? {
        guard let found = lookup(keyPath) else { return nil }
        return try decode(found, keyPath)
    }

    /// A decoder for the mapping at `keyPath`, to read its keys relative to it.
    package func nested(_ keyPath: String) throws(Diagnostic) -> ConfigDecoder {
        guard let found = lookup(keyPath) else { throw missing(keyPath) }
        guard case .object = found else { throw mistyped(keyPath, found, "a mapping") }
        return ConfigDecoder(found, prefix: full(keyPath), locations: locations, origin: origin)
    }

    /// One decoder per item of the list at `keyPath`, prefixed `keyPath[i]`.
    package func items(_ keyPath: String) throws(Diagnostic) -> [ConfigDecoder] {
        guard let found = lookup(keyPath) else { throw missing(keyPath) }
        guard case .list(let list) = found else { throw mistyped(keyPath, found, "a list") }
        return list.enumerated().map { ConfigDecoder($1, prefix: "\(full(keyPath))[\($0)]", locations: locations, origin: origin) }
    }

    /// The keys of the mapping at `keyPath` with a decoder each, sorted by key.
    package func entries(_ keyPath: String) throws(Diagnostic) -> [(key: String, value: ConfigDecoder)] {
        let map = try nested(keyPath)
        guard case .object(let fields) = map.value else { return [] }
        return fields.keys.sorted().map { key in
            (key, ConfigDecoder(fields[key] ?? .object([:]), prefix: "\(map.prefix.isEmpty ? "" : map.prefix + ".")\(key)",
                                locations: locations, origin: origin))
        }
    }

    /// This decoder's own value as `T` (for list items and `entries`).
    package func decode<T: ConfigDecodable>(as type: T.Type = T.self) throws(Diagnostic) -> T {
        try decode(value, "")
    }

    /// A located error about `keyPath` (relative to this decoder), for checks the decoding makes.
    /// `orAt`: report at this key path (else the document) when `keyPath` has no place of its own.
    package func error(_ keyPath: String, _ message: String, orAt fallback: String? = nil) -> Diagnostic {
        let path = full(keyPath)
        if let fallback { return Diagnostic(at: locations[path] ?? locations[fallback] ?? origin, message) }
        return Diagnostic(at: location(of: path), message)
    }

    /// The full key path of `keyPath`, as messages name it.
    package func full(_ keyPath: String) -> String {
        if keyPath.isEmpty { return prefix }
        return prefix.isEmpty ? keyPath : "\(prefix).\(keyPath)"
    }

    private func lookup(_ keyPath: String) -> ConfigValue? {
        guard !keyPath.isEmpty else { return value }
        var current: ConfigValue? = value
        for part in keyPath.split(separator: ".") { current = current?[String(part)] }
        return current
    }

    private func decode<T: ConfigDecodable>(_ found: ConfigValue, _ keyPath: String) throws(Diagnostic) -> T {
        guard let decoded = T(config: found) else { throw mistyped(keyPath, found, T.configTypeName) }
        return decoded
    }

    private func missing(_ keyPath: String) -> Diagnostic {
        let path = full(keyPath)
        return Diagnostic(at: location(of: path), "missing required key '\(path)'")
    }

    private func mistyped(_ keyPath: String, _ found: ConfigValue, _ expected: String) -> Diagnostic {
        let path = full(keyPath)
        return Diagnostic(at: location(of: path), "'\(path)' must be \(expected), got \(found.kindName)")
    }

    /// Where `path` stands, or its nearest parent that has a place (`a.b[2].c` → `a.b[2]` → `a.b` → `a`).
    private func location(of path: String) -> SourceLocation {
        var path = path
        while true {
            if let found = locations[path] { return found }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return locations[""] ?? origin
    }
}

/// A model value that can be read from one `ConfigValue`.
package protocol ConfigDecodable {
    /// nil when `config` is not a value of this type.
    init?(config: ConfigValue)
    /// What messages call this type ("an integer").
    static var configTypeName: String { get }
}

extension Int: ConfigDecodable {
    package init?(config: ConfigValue) {
        guard let v = config.int else { return nil }
        self = v
    }
    package static var configTypeName: String { "an integer" }
}

extension Double: ConfigDecodable {
    package init?(config: ConfigValue) {
        guard let v = config.number else { return nil }
        self = v
    }
    package static var configTypeName: String { "a number" }
}

extension String: ConfigDecodable {
    package init?(config: ConfigValue) {
        guard let v = config.text else { return nil }
        self = v
    }
    package static var configTypeName: String { "a string" }
}

extension Delay: ConfigDecodable {
    package init?(config: ConfigValue) {
        guard let v = config.delay else { return nil }
        self = v
    }
    package static var configTypeName: String { "a delay" }
}

/// A fixed duration in nanoseconds (`timeout`, `for`): a `uniform` delay is not one.
package struct Nanoseconds: ConfigDecodable {
    package var ns: Int64
    package init?(config: ConfigValue) {
        guard case .duration(let ns) = config else { return nil }
        self.ns = ns
    }
    package static var configTypeName: String { "a duration" }
}

/// Words of the format that are enums of the model (`lock.mode`, `expect` values).
package protocol ConfigWord: ConfigDecodable, RawRepresentable, CaseIterable where RawValue == String {}

extension ConfigWord {
    package init?(config: ConfigValue) {
        guard let word = config.text, let value = Self(rawValue: word) else { return nil }
        self = value
    }
    package static var configTypeName: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
}

extension LockMode: ConfigWord {}
extension LockScope: ConfigWord {}
extension WriteMode: ConfigWord {}
extension StorageKind: ConfigWord {
    /// A registered engine's name only (the model's kind is any name).
    package init?(config: ConfigValue) {
        guard let name = config.text, let kind = StorageKind.named(name) else { return nil }
        self = kind
    }
}
extension SQLiteJournal: ConfigWord {}
extension Isolation: ConfigWord {}
extension Invariant: ConfigWord {}
extension Expectation: ConfigWord {}

extension ConfigValue {
    /// What a message calls a value of this kind.
    package var kindName: String {
        switch self {
        case .int: return "an integer"
        case .number: return "a number"
        case .text: return "a string"
        case .duration: return "a duration"
        case .uniform: return "a uniform delay"
        case .list: return "a list"
        case .object: return "a mapping"
        }
    }
}
