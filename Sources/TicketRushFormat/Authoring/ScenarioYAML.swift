import TicketRushModel

/// Writes a loaded scenario back as YAML: keys in the schema's order, every default present,
/// durations normalised ("1s", "250ms"). The text loads back to the same scenario.
package enum ScenarioYAML {
    /// Every scenario of a file as YAML documents separated by `---`.
    package static func text(_ documents: [LoadedDocument]) throws -> String {
        var parts: [String] = []
        for document in documents {
            var text = ""
            var value = document.value
            if case .object(var fields) = value, document.scenario.cell != nil {
                // A sweep cell stands alone: its own name and expectations, no matrix to expand again.
                text += "# one cell of a sweep; the file's matrix runs every cell\n"
                fields["name"] = .text(document.scenario.name)
                fields["matrix"] = nil
                fields["expect_by_cell"] = nil
                fields["expect"] = .object(Dictionary(uniqueKeysWithValues: document.scenario.expect.map { ($0.key.rawValue, .text($0.value.rawValue)) }))
                value = .object(fields)
            }
            value = StorageSchema.filled(value, document.scenario)
            value = WorkloadSchema.filled(value, document.scenario)
            value = SessionsSchema.filled(value, document.scenario)
            // A printed form too: storage.url's password is not shown (issue 19 item 13).
            if case .object(var fields) = value, case .object(var storage)? = fields["storage"],
               let url = storage["url"]?.text, redactedURL(url) != url {
                storage["url"] = .text(redactedURL(url))
                fields["storage"] = .object(storage)
                value = .object(fields)
                text += "# storage.url: its password is not shown (***); the file holds it\n"
            }
            text += try serialize(node: node(value, ScenarioSchema.root), width: -1, allowUnicode: true)
            if document.scenario.seed == nil {
                text += "# seed: not fixed: every run draws a fresh random seed and records it in the report\n"
            }
            parts.append(text)
        }
        return parts.joined(separator: "---\n")
    }

    /// The YAML node for `value` as `shape` describes it.
    package static func node(_ value: ConfigValue, _ shape: Shape) -> Node {
        switch (value, shape) {
        case (.object(let fields), .object(let schemaFields, let shorthand)):
            // `trials: {count: 5}` reads best as `trials: 5`.
            if let shorthand, fields.count == 1, let only = fields[shorthand],
               let field = schemaFields.first(where: { $0.name == shorthand }) {
                return node(only, field.shape)
            }
            // Schema order first; anything the schema does not list (none today) after it, sorted.
            let known = schemaFields.compactMap { f in fields[f.name].map { (f.name, node($0, f.shape)) } }
            let extra = fields.filter { k, _ in !schemaFields.contains { $0.name == k } }.sorted { $0.key < $1.key }
                .map { ($0.key, node($0.value, .text(nonEmpty: false))) }
            return Node((known + extra).map { (Node($0.0), $0.1) })
        case (.object(let fields), .named(let valueShape)):
            return Node(fields.keys.sorted().compactMap { key in fields[key].map { (Node(key), node($0, valueShape)) } })
        case (.object(let fields), .keyed(let keys, let valueShape)):
            let ordered = keys.filter { fields[$0] != nil } + fields.keys.filter { !keys.contains($0) }.sorted()
            return Node(ordered.compactMap { key in fields[key].map { (Node(key), node($0, valueShape)) } })
        case (.list(let items), .list(let item)):
            return Node(items.map { node($0, item) }, .implicit, .flow)
        case (.list(let items), .uniqueList(let item)):
            // A list of mappings (faults) reads best one item a line: `- {kill: {...}}`.
            if case .object = item, !items.isEmpty {
                return Node(items.map { flow(node($0, item)) }, .implicit, .block)
            }
            return Node(items.map { node($0, item) }, .implicit, .flow)
        default:
            return scalar(value)
        }
    }

    /// The same node with every mapping in flow style.
    private static func flow(_ n: Node) -> Node {
        switch n {
        case .mapping(let m): return Node(m.map { ($0.key, flow($0.value)) }, .implicit, .flow)
        default: return n
        }
    }

    private static func scalar(_ value: ConfigValue) -> Node {
        switch value {
        case .int(let v): return Node(String(v))
        case .number(let v): return Node(number(v))
        case .duration(let ns): return Node(DurationText.format(ns))
        case .uniform(let low, let high):
            return Node([(Node("uniform"), Node([Node(DurationText.format(low)), Node(DurationText.format(high))], .implicit, .flow))], .implicit, .flow)
        case .text(let s):
            // Quote text that would otherwise read back as a number, boolean or null.
            let plain = Node(s)
            return plain.tagName == .str && !s.isEmpty ? plain : Node(s, .implicit, .doubleQuoted)
        case .list(let items): return Node(items.map(scalar), .implicit, .flow)
        case .object(let fields): return Node(fields.sorted { $0.key < $1.key }.map { (Node($0.key), scalar($0.value)) })
        }
    }

    /// A number as people write it: "1", "0.01", "2.5".
    package static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
