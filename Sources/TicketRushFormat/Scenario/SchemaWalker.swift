import TicketRushModel

/// Walks one YAML document against a `Shape`, collecting every located problem and the
/// normalised value. Key paths are dotted (`lock.scope`), as messages name them.
package struct SchemaWalker {
    package let path: String
    package private(set) var diagnostics: [Diagnostic] = []
    /// Where each key path's value stands in the file ("" is the document).
    package private(set) var locations: [String: SourceLocation] = [:]
    /// What a mapping with problems still held, by key path: the keys that did walk (and the
    /// defaults of the absent ones), never a key that failed. Cross-key checks read it, so they
    /// report in the same pass as the other errors wherever the keys they need parsed.
    package private(set) var partials: [String: ConfigValue] = [:]

    package init(path: String) { self.path = path }

    /// `labelPath` names the value in messages when it differs from `keyPath`: a shorthand
    /// (`trials: 0`) is reported under the key the author wrote, not the one it expands to.
    package mutating func walk(_ node: Node, _ shape: Shape, keyPath: String, labelPath: String? = nil) -> ConfigValue? {
        locations[keyPath] = at(node)
        let named = labelPath ?? keyPath
        let label = named.isEmpty ? "scenario" : "'\(named)'"
        switch shape {
        case .integer(let min, let max):
            guard node.scalar != nil, node.tagName == .int, let value = node.int else {
                return fail(node, "\(label) must be an integer\(rangeText(min, max)), got \(describe(node))")
            }
            if value < min || (max.map { value > $0 } ?? false) {
                return fail(node, "\(label) must be\(rangeText(min, max)), got \(value)")
            }
            return .int(value)
        case .positiveNumber:
            guard let scalar = node.scalar, node.tagName == .int || node.tagName == .float,
                  let value = Double.construct(from: scalar) else {
                return fail(node, "\(label) must be a number > 0, got \(describe(node))")
            }
            guard value > 0, value.isFinite else { return fail(node, "\(label) must be a number > 0, got \(scalar.string)") }
            return .number(value)
        case .text(let nonEmpty):
            // Only text: `name: 2024` or `description: yes` would read differently in JSON tools.
            guard let scalar = node.scalar, node.tagName == .str else {
                let quote = node.scalar.map { " (quote it: \"\($0.string)\")" } ?? ""
                return fail(node, "\(label) must be a string, got \(describe(node))\(quote)")
            }
            if nonEmpty && scalar.string.isEmpty { return fail(node, "\(label) must not be empty") }
            return .text(scalar.string)
        case .duration:
            return duration(node, label: label).map { .duration($0) }
        case .delay:
            if node.mapping != nil { return uniform(node, keyPath: keyPath) }
            return duration(node, label: label).map { .duration($0) }
        case .choice(let words):
            guard let scalar = node.scalar, node.tagName != .null else {
                return fail(node, "\(label) must be one of \(words.joined(separator: ", ")), got \(describe(node))")
            }
            guard words.contains(scalar.string) else {
                let hint = Suggest.closest(to: scalar.string, in: words).map { "; did you mean '\($0)'?" } ?? ""
                return fail(node, "\(label) must be one of \(words.joined(separator: ", ")), got '\(scalar.string)'\(hint)")
            }
            return .text(scalar.string)
        case .fraction(let what, let atLeast):
            return fraction(node, what: what, atLeast: atLeast, label: label)
        case .oneOrMany(let item):
            guard node.sequence != nil else { return walk(node, item, keyPath: keyPath, labelPath: labelPath) }
            return walk(node, .uniqueList(item), keyPath: keyPath, labelPath: labelPath)
        case .relativePath:
            guard let scalar = node.scalar, node.tagName != .null, !scalar.string.isEmpty else {
                return fail(node, "\(label) must be a relative file path, got \(describe(node))")
            }
            if let why = Self.pathProblem(scalar.string) { return fail(node, "\(label) \(why)") }
            return .text(scalar.string)
        case .object(let fields, let shorthand):
            if let shorthand, node.mapping == nil, let field = fields.first(where: { $0.name == shorthand }) {
                var expanded: [String: ConfigValue] = [:]
                guard let value = walk(node, field.shape, keyPath: join(keyPath, shorthand), labelPath: keyPath) else { return nil }
                locations[keyPath] = at(node)
                expanded[shorthand] = value
                fillDefaults(&expanded, fields)
                return .object(expanded)
            }
            return object(node, fields, keyPath: keyPath, label: label)
        case .uniqueList(let item):
            return list(node, item, unique: true, keyPath: keyPath, label: label)
        case .list(let item):
            return list(node, item, unique: false, keyPath: keyPath, label: label)
        case .keyed(let keys, let valueShape):
            return keyed(node, keys, valueShape, keyPath: keyPath, label: label)
        case .named(let valueShape):
            return keyed(node, nil, valueShape, keyPath: keyPath, label: label)
        }
    }

    /// A fraction such as `95%` or `0.95`, at least `atLeast` and below 1.
    private mutating func fraction(_ node: Node, what: String, atLeast: Double, label: String) -> ConfigValue? {
        let range = atLeast > 0 ? "from \(ScenarioYAML.number(atLeast * 100))% to below 100%" : "above 0 and below 100%"
        guard let scalar = node.scalar, [.str, .int, .float].contains(node.tagName) else {
            return fail(node, "\(label) must be \(what), \(range), got \(describe(node))")
        }
        guard let value = StopRule.fraction(scalar.string), value >= atLeast else {
            let written = node.tagName != .str ? scalar.string : describe(node)
            return fail(node, "\(label) must be \(what), \(range), got \(written)")
        }
        return .text(scalar.string)
    }

    /// A list of `item`s; with `unique`, a value listed twice is an error.
    private mutating func list(_ node: Node, _ item: Shape, unique: Bool, keyPath: String, label: String) -> ConfigValue? {
        guard let sequence = node.sequence else { return fail(node, "\(label) must be a list, got \(describe(node))") }
        var items: [ConfigValue] = []
        var ok = true
        for (i, child) in sequence.enumerated() {
            guard let value = walk(child, item, keyPath: "\(keyPath)[\(i)]") else { ok = false; continue }
            if unique && items.contains(value) {
                report(child, "\(label) lists \(describe(child)) twice")
                ok = false
            }
            items.append(value)
        }
        return ok ? .list(items) : nil
    }

    /// A mapping whose keys come from `keys`, every value of one shape.
    /// A mapping with the `keys` given, or (nil) with names: see `Shape.named`.
    private mutating func keyed(_ node: Node, _ keys: [String]?, _ valueShape: Shape, keyPath: String, label: String) -> ConfigValue? {
        guard node.mapping != nil else { return fail(node, "\(label) must be a mapping, got \(describe(node))") }
        var result: [String: ConfigValue] = [:]
        var ok = checkMerges(node, label: label)
        for (keyNode, valueNode) in pairs(node) {
            let key = keyNode.scalar?.string ?? ""
            guard let keys else {
                guard Self.isName(key) else {
                    report(keyNode, "'\(key)' in \(label) is not a name: a letter, then letters, digits, '-', '_' or '.', at most 32")
                    ok = false
                    continue
                }
                locations[join(keyPath, key) + ":key"] = at(keyNode)
                guard let value = walk(valueNode, valueShape, keyPath: join(keyPath, key)) else { ok = false; continue }
                result[key] = value
                continue
            }
            guard keys.contains(key) else {
                let hint = Suggest.closest(to: key, in: keys).map { "; did you mean '\($0)'?" } ?? ""
                report(keyNode, "unknown key '\(key)' in \(label)\(hint) (allowed: \(keys.joined(separator: ", ")))")
                ok = false
                continue
            }
            locations[join(keyPath, key) + ":key"] = at(keyNode)
            guard let value = walk(valueNode, valueShape, keyPath: join(keyPath, key)) else { ok = false; continue }
            result[key] = value
        }
        if !ok { partials[keyPath] = .object(result) }
        return ok ? .object(result) : nil
    }

    /// A name an author chose (`Shape.named`).
    static func isName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, key.unicodeScalars.count <= 32, first.properties.isAlphabetic, first.isASCII else { return false }
        return key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    private mutating func object(_ node: Node, _ fields: [Field], keyPath: String, label: String) -> ConfigValue? {
        guard node.mapping != nil else {
            return fail(node, "\(label) must be a mapping with keys \(fields.map(\.name).joined(separator: ", ")), got \(describe(node))")
        }
        var result: [String: ConfigValue] = [:]
        var ok = checkMerges(node, label: label)
        var failed = Set<String>()
        let names = fields.map(\.name)
        for (keyNode, valueNode) in pairs(node) {
            guard let key = keyNode.scalar?.string else {
                report(keyNode, "keys in \(label) must be plain words")
                ok = false
                continue
            }
            if keyPath.isEmpty && ScenarioSchema.isExtensionKey(key) { continue }
            guard let field = fields.first(where: { $0.name == key }) else {
                let hint = Self.nestedHint(key, in: names) ?? Suggest.closest(to: key, in: names).map { "; did you mean '\($0)'?" } ?? ""
                report(keyNode, "unknown key '\(key)' in \(label)\(hint) (allowed: \(names.joined(separator: ", ")))")
                ok = false
                continue
            }
            if let value = walk(valueNode, field.shape, keyPath: join(keyPath, key)) {
                result[key] = value
            } else {
                ok = false
                failed.insert(key)
                if let partial = partials[join(keyPath, key)] { result[key] = partial }
            }
        }
        let written = Set(pairs(node).compactMap { $0.0.scalar?.string })
        for field in fields where field.required && result[field.name] == nil && !written.contains(field.name)
            && !(field.requiredUnless.map(written.contains) ?? false) {
            report(node, "missing required key '\(join(keyPath, field.name))'")
            ok = false
        }
        guard ok else {
            // A key that failed gets no default: a check must not read a value nobody wrote.
            fillDefaults(&result, fields.filter { !failed.contains($0.name) })
            partials[keyPath] = .object(result)
            return nil
        }
        fillDefaults(&result, fields)
        return .object(result)
    }

    /// Absent keys get their defaults, nested objects included (`delays: {}` gets every delay).
    private func fillDefaults(_ result: inout [String: ConfigValue], _ fields: [Field]) {
        for field in fields {
            if result[field.name] == nil, let value = field.defaultValue { result[field.name] = value }
            if case .object(let nested, _) = field.shape, case .object(var inner)? = result[field.name] {
                fillDefaults(&inner, nested)
                result[field.name] = .object(inner)
            }
        }
    }

    private mutating func uniform(_ node: Node, keyPath: String) -> ConfigValue? {
        let label = "'\(keyPath)'"
        let uniformLabel = "'\(keyPath).uniform'"
        let entries = pairs(node)
        guard entries.count == 1, entries[0].0.scalar?.string == "uniform" else {
            let key = entries.first { $0.0.scalar?.string != "uniform" }?.0 ?? node
            return fail(key, "\(label) must be a duration or {uniform: [min, max]}")
        }
        let listNode = entries[0].1
        guard let list = listNode.sequence, list.count == 2 else {
            return fail(listNode, "\(uniformLabel) must be a list of two durations [min, max]")
        }
        guard let low = duration(list[0], label: "'\(keyPath).uniform[0]'"),
              let high = duration(list[1], label: "'\(keyPath).uniform[1]'") else { return nil }
        guard low <= high else {
            return fail(listNode, "\(uniformLabel) min \(DurationText.format(low)) must not exceed max \(DurationText.format(high))")
        }
        return low == high ? .duration(low) : .uniform(low, high)
    }

    private mutating func duration(_ node: Node, label: String) -> Int64? {
        guard let scalar = node.scalar, node.tagName != .null else {
            report(node, "\(label) must be a duration such as 1s, 250ms, 40us or a number of seconds, got \(describe(node))")
            return nil
        }
        let ns: Int64?
        if node.tagName == .int || node.tagName == .float {
            ns = Double(scalar.string).flatMap(DurationText.seconds)
        } else {
            ns = DurationText.parse(scalar.string)
        }
        guard let ns else {
            report(node, "\(label) must be a duration such as 1s, 250ms, 40us, 2m or a number of seconds (not negative), got '\(scalar.string)'")
            return nil
        }
        return ns
    }

    /// Checks that need more than one key (`ScenarioSchema.check`).
    /// A document with other problems is checked on what of it did walk (`partials`).
    package mutating func crossCheck(_ value: ConfigValue?) {
        if let value = value ?? partials[""] { diagnostics += ScenarioSchema.check(value, locations: locations, path: path) }
    }

    /// For a key whose dotted children are allowed (`matrix: {buyers: …}`): its shorthand key
    /// (`buyers.count`), else the keys inside it.
    private static func nestedHint(_ key: String, in names: [String]) -> String? {
        let nested = names.filter { $0.hasPrefix(key + ".") }
        guard !nested.isEmpty else { return nil }
        if case .object(_, let shorthand?)? = ScenarioSchema.scenarioFields.first(where: { $0.name == key })?.shape,
           nested.contains("\(key).\(shorthand)") {
            return "; did you mean '\(key).\(shorthand)'? (a key path names one value inside '\(key)')"
        }
        return "; name a key inside it: \(nested.joined(separator: ", "))"
    }

    /// Why a storage path is not allowed, or nil.
    package static func pathProblem(_ path: String) -> String? {
        if path.hasPrefix("/") { return "must be relative to the trial folder, not absolute: '\(path)'" }
        if path.hasPrefix("~") { return "must be relative to the trial folder: '\(path)'" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") { return "may not leave the trial folder ('..'): '\(path)'" }
        if parts.last == "" || parts.last == "." { return "must name a file, not a folder: '\(path)'" }
        if path.contains("\0") { return "must not contain NUL" }
        return nil
    }

    /// Reports merge keys (`<<`) whose value is not a mapping or a list of mappings.
    private mutating func checkMerges(_ node: Node, label: String) -> Bool {
        var ok = true
        for (key, value) in node.mapping ?? [:] {
            guard let s = key.scalar, s.string == "<<", s.style == .plain else { continue }
            let sources = value.mapping != nil ? [value] : (value.sequence.map(Array.init) ?? [])
            if sources.isEmpty || sources.contains(where: { $0.mapping == nil }) {
                report(value, "'<<' in \(label) must merge a mapping or a list of mappings (such as *base), got \(describe(value))")
                ok = false
            } else {
                for source in sources where !checkMerges(source, label: label) { ok = false }
            }
        }
        return ok
    }

    /// A mapping's pairs with YAML merge keys (`<<: *base`) applied: own keys win.
    private func pairs(_ node: Node) -> [(Node, Node)] {
        guard let mapping = node.mapping else { return [] }
        var own: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (key, value) in mapping {
            if let s = key.scalar, s.string == "<<", s.style == .plain {
                let sources = value.mapping != nil ? [value] : (value.sequence.map(Array.init) ?? [])
                for source in sources where source.mapping != nil {
                    for pair in pairs(source) where !merged.contains(where: { $0.0.scalar?.string == pair.0.scalar?.string }) {
                        merged.append(pair)
                    }
                }
            } else {
                own.append((key, value))
            }
        }
        let ownKeys = Set(own.compactMap { $0.0.scalar?.string })
        return own + merged.filter { !ownKeys.contains($0.0.scalar?.string ?? "") }
    }

    private func at(_ node: Node) -> SourceLocation {
        SourceLocation(path: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    private mutating func report(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(at: at(node), message))
    }

    private mutating func fail(_ node: Node, _ message: String) -> ConfigValue? {
        report(node, message)
        return nil
    }

    private func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a).\(b)" }

    private func rangeText(_ min: Int, _ max: Int?) -> String {
        if let max { return " from \(min) to \(max)" }
        return min == 0 ? " >= 0" : " >= \(min)"
    }

    /// How a node reads in a message.
    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if node.tagName == .null { return "nothing (null)" }
            if node.tagName == .bool { return "the boolean \(s.string)" }
            if node.tagName == .int || node.tagName == .float { return "the number \(s.string)" }
            // A quoted number is a string to YAML: say so, or "got '5'" reads like a number.
            if Double(s.string.trimmingWhitespace) != nil { return "the string '\(s.string)'" }
            return "'\(s.string)'"
        }
    }
}

extension Node {
    /// The resolved tag's name (`Tag.name` is not public in Yams 6).
    package var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
