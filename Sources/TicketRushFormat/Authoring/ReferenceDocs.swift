import TicketRushModel

/// The "type, range, default" line of every key in docs/scenarios.md, generated from
/// `ScenarioSchema` (whose defaults are the model's): the reference cannot drift from the
/// loader. Each `### `key`` section starts with the generated paragraph; the prose after
/// it is hand-written. `ScenarioReferenceTests` compares; `UPDATE_DOCS=1` rewrites.
package enum ReferenceDocs {
    /// Every key of the format by its reference path (`lock.scope`, `faults[].kill.at`).
    package static func fields(_ shape: Shape = ScenarioSchema.root, _ prefix: String = "") -> [(path: String, field: Field)] {
        var out: [(String, Field)] = []
        switch shape {
        case .object(let fields, _):
            for field in fields {
                let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
                out.append((path, field))
                out += Self.fields(field.shape, path)
            }
        case .uniqueList(let item), .list(let item):
            out += fields(item, "\(prefix)[]")
        default:
            break
        }
        return out
    }

    /// One key's line: `integer 0 … 1000000; default `100`.`
    package static func line(for field: Field) -> String {
        let need: String
        if field.required {
            need = "**required**"
        } else if let value = field.defaultValue {
            need = "default `\(inline(filled(value, field.shape), field.shape))`"
        } else {
            need = "optional"
        }
        return "\(noun(field.shape, plural: false)); \(need)."
    }

    /// The generated paragraph of a `###` heading naming `keys`: one line when they read the
    /// same, else one list item per key; nil when no key is a key of the format (`x-…`).
    package static func block(for keys: [String]) -> [String]? {
        let all = Dictionary(fields().map { ($0.path, $0.field) }, uniquingKeysWith: { first, _ in first })
        let found = keys.compactMap { key in all[key].map { (key, line(for: $0)) } }
        guard !found.isEmpty else { return nil }
        if Set(found.map(\.1)).count == 1 { return [found[0].1] }
        return found.map { "- `\($0.0)`: \($0.1)" }
    }

    /// One `###` section of the reference: the keys its heading names, and the line range of
    /// the paragraph right after the heading's blank line (the generated one).
    package struct Section {
        package var keys: [String]
        package var heading: Int
        package var paragraph: Range<Int>
    }

    package static func sections(_ lines: [String]) -> [Section] {
        var out: [Section] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("### ") {
            let keys = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            var start = i + 1
            while start < lines.count, lines[start].isEmpty { start += 1 }
            var end = start
            while end < lines.count, !lines[end].isEmpty, !lines[end].hasPrefix("#") { end += 1 }
            out.append(Section(keys: keys, heading: i, paragraph: start..<end))
        }
        return out
    }

    /// The reference with every generated paragraph rewritten from the schema. A section
    /// whose first paragraph is not generated (a new key) gets one inserted before its prose.
    package static func update(_ markdown: String) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for section in sections(lines).reversed() {
            guard let block = block(for: section.keys) else { continue }
            let current = Array(lines[section.paragraph])
            if isGenerated(current, for: section.keys) {
                lines.replaceSubrange(section.paragraph, with: block)
            } else {
                lines.replaceSubrange(section.paragraph.lowerBound..<section.paragraph.lowerBound, with: block + [""])
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Whether a paragraph looks like a generated one (so `update` replaces rather than inserts).
    private static func isGenerated(_ paragraph: [String], for keys: [String]) -> Bool {
        guard let first = paragraph.first else { return false }
        if paragraph.allSatisfy({ line in keys.contains { line.hasPrefix("- `\($0)`: ") } }) { return true }
        return paragraph.count == 1 && (first.hasSuffix("; **required**.") || first.hasSuffix("; optional.") || first.contains("; default `"))
    }

    /// A default as the walker fills it in: nested objects get their own defaults.
    private static func filled(_ value: ConfigValue, _ shape: Shape) -> ConfigValue {
        guard case .object(var fields) = value, case .object(let schemaFields, _) = shape else { return value }
        for field in schemaFields {
            if fields[field.name] == nil, let inner = field.defaultValue { fields[field.name] = inner }
            if let inner = fields[field.name] { fields[field.name] = filled(inner, field.shape) }
        }
        return .object(fields)
    }

    /// A value as a scenario file writes it inline: `{kind: json, path: db.json}`, `1m`, `[a, b]`.
    package static func inline(_ value: ConfigValue, _ shape: Shape) -> String {
        switch (value, shape) {
        case (.object(let fields), .object(let schemaFields, let shorthand)):
            if let shorthand, fields.count == 1, let only = fields[shorthand],
               let field = schemaFields.first(where: { $0.name == shorthand }) {
                return inline(only, field.shape)
            }
            let parts = schemaFields.compactMap { f in fields[f.name].map { "\(f.name): \(inline($0, f.shape))" } }
            return "{" + parts.joined(separator: ", ") + "}"
        case (.object(let fields), .keyed(let keys, let valueShape)):
            return "{" + keys.compactMap { k in fields[k].map { "\(k): \(inline($0, valueShape))" } }.joined(separator: ", ") + "}"
        case (.list(let items), .uniqueList(let item)), (.list(let items), .list(let item)):
            return "[" + items.map { inline($0, item) }.joined(separator: ", ") + "]"
        case (.object(let fields), _):
            return "{" + fields.keys.sorted().map { "\($0): \(inline(fields[$0] ?? .object([:]), shape))" }.joined(separator: ", ") + "}"
        case (.list(let items), _):
            return "[" + items.map { inline($0, shape) }.joined(separator: ", ") + "]"
        case (.int(let v), _): return String(v)
        case (.number(let v), _): return ScenarioYAML.number(v)
        case (.text(let s), _): return s.isEmpty ? "\"\"" : s
        case (.duration(let ns), _): return DurationText.format(ns)
        case (.uniform(let a, let b), _): return "{uniform: [\(DurationText.format(a)), \(DurationText.format(b))]}"
        }
    }

    /// What a value of `shape` is, with its range: `integer 1 … 100000`, `words: `a` or `b``.
    package static func noun(_ shape: Shape, plural: Bool) -> String {
        let s = plural ? "s" : ""
        switch shape {
        case .integer(let min, let max):
            return "integer\(s) " + (max.map { "\(min) … \($0)" } ?? "≥ \(min)")
        case .positiveNumber:
            return "number\(s) > 0"
        case .text(let nonEmpty):
            return "string\(s)" + (nonEmpty ? ", not empty" : "")
        case .duration:
            return "duration\(s)"
        case .delay:
            return "delay\(s)"
        case .choice(let words):
            return "word\(s): " + either(words.map { "`\($0)`" })
        case .relativePath:
            return "relative file path\(s)"
        case .fraction(_, let atLeast):
            let range = atLeast > 0 ? "from \(ScenarioYAML.number(atLeast * 100))% to below 100%" : "above 0 and below 100%"
            return "fraction\(s) as a percent (`1%`) or a number (`0.01`), \(range)"
        case .oneOrMany(let item):
            return "\(noun(item, plural: plural)), or a list of distinct \(noun(item, plural: true))"
        case .object(let fields, let shorthand):
            var text = "mapping\(s) with keys " + fields.map { "`\($0.name)`" }.joined(separator: ", ")
            if let shorthand, let field = fields.first(where: { $0.name == shorthand }) {
                text += "; or a bare \(noun(field.shape, plural: false)) for `\(shorthand)`"
            }
            return text
        case .uniqueList(let item):
            return "list\(s) of distinct \(noun(item, plural: true))"
        case .list(let item):
            return "list\(s) of \(noun(item, plural: true))"
        case .keyed(let keys, let value):
            return "mapping\(s) from " + either(keys.map { "`\($0)`" }) + " to \(noun(value, plural: true))"
        case .named(let value):
            return "mapping\(s) from names you choose to \(noun(value, plural: true))"
        }
    }

    /// `a`, `a or b`, `a, b or c`.
    private static func either(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + last
    }
}
