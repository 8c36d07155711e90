import TicketRushModel
/// One scenario as loaded from its document: the model, the normalised value the walker
/// produced (every default filled in) and where each key path stands in the file.
package struct LoadedDocument: Sendable {
    package var scenario: Scenario
    package var value: ConfigValue
    /// Key path (`lock.scope`; "" is the document) to where its value is written.
    package var locations: [String: SourceLocation]

    /// Where `keyPath` is written, else its nearest written parent, else the document.
    package func location(of keyPath: String) -> SourceLocation {
        var path = keyPath
        while true {
            if let at = locations[path] { return at }
            guard let dot = path.lastIndex(of: ".") else { break }
            path = String(path[..<dot])
        }
        return locations[""] ?? scenario.origin ?? SourceLocation(path: "?", line: 1, column: 1)
    }

    /// True when the file itself writes `keyPath` (not a default).
    package func writes(_ keyPath: String) -> Bool { locations[keyPath] != nil }
}
