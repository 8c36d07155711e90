/// `storage.kind`: an engine's name, and all the model knows of it. The engines themselves
/// (descriptor, store, server) and their one registry are in TicketRushEngines; each names
/// its kind there (`extension StorageKind { static let postgres … }`), so adding an engine
/// needs no edit here, and `case .postgres` still matches.
public struct StorageKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// The default engine, a JSON file: the one the model's defaults are written for.
    public static let json = StorageKind(rawValue: "json")
}
