import TicketRushModel
extension ScenarioSchema {
    /// Top-level keys starting with `x-` are ignored by the loader, as in Compose and OpenAPI:
    /// they hold YAML anchors (`x-base: &base {...}`) that scenarios merge with `<<: *base`.
    package static let extensionPrefix = "x-"

    /// True for a key the loader skips at the top of a document.
    package static func isExtensionKey(_ key: String) -> Bool {
        key.hasPrefix(extensionPrefix) && key.count > extensionPrefix.count
    }
}
