import TicketRushModel
/// One line on each word the format allows, from the registries that define them, for the
/// schema's hover texts (`enumDescriptions`) and the `expect` keys. Words added to these
/// enums (a new lock mode) are picked up without touching the generator.
package enum ValueDocs {
    package static let summaries: [String: String] = {
        var docs: [String: String] = [:]
        for w in Invariant.allCases { docs[w.rawValue] = w.summary }
        for w in LockMode.allCases { docs[w.rawValue] = w.summary }
        for w in LockScope.allCases { docs[w.rawValue] = w.summary }
        for w in WriteMode.allCases { docs[w.rawValue] = w.summary }
        docs[Expectation.hold.rawValue] = "holds in every trial"
        docs[Expectation.violated.rawValue] = "violated in at least one trial"
        docs[StorageKind.json.rawValue] = "a JSON document {\"count\": N}"
        return docs
    }()

    /// Descriptions for `words` in order, or nil unless every word has one.
    package static func descriptions(_ words: [String]) -> [String]? {
        let found = words.compactMap { summaries[$0] }
        return found.count == words.count ? found : nil
    }
}
