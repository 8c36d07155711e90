/// `storage.kind`: an engine's name, and all the model knows of it. The engines themselves
/// (descriptor, store, server) and their one registry are in TicketRushEngines; each names
/// its kind there (`extension StorageKind { static let postgres … }`), so adding an engine
/// needs no edit here, and `case .postgres` still matches.
package struct StorageKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    package let rawValue: String

    package init(rawValue: String) { self.rawValue = rawValue }

    package var description: String { rawValue }

    /// The default engine, a JSON file: the one the model's defaults are written for.
    package static let json = StorageKind(rawValue: "json")
}
