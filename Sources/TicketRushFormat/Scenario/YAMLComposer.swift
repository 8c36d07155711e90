import TicketRushModel

/// Composes every YAML document of a file. Yams stops at the first repeated key; to still
/// report the file's other problems, the repeat is masked with a placeholder key of the
/// same length (columns stay put) and the text composed again.
package struct YAMLComposer {
    package let path: String

    /// The documents (nil when the text cannot be composed at all), the YAML problems, and
    /// where placeholder keys stand: findings there are about the mask, not the file.
    package func compose(_ yaml: String) -> (documents: [Node]?, diagnostics: [Diagnostic], masked: [SourceLocation]) {
        var text = yaml
        var diagnostics: [Diagnostic] = []
        var masked: [SourceLocation] = []
        // Every round re-parses the whole text: stop masking once that would exceed the
        // budget, so a big file with many repeated keys stays linear (InputLimits).
        let rounds = max(1, min(50, InputLimits.reparseBytes / max(1, yaml.utf8.count)))
        for attempt in 0..<rounds {
            do {
                var documents: [Node] = []
                var sequence = try compose_all(yaml: text)
                while let node = sequence.next() {
                    documents.append(node)
                    if documents.count > InputLimits.maxDocuments {
                        diagnostics.append(Diagnostic(at: SourceLocation(path: path, line: node.mark?.line ?? 1, column: 1),
                            "more than \(InputLimits.maxDocuments) YAML documents in one file; split it"))
                        return (nil, diagnostics, masked)
                    }
                }
                if let error = sequence.error { throw error }
                return (documents, diagnostics, masked)
            } catch {
                guard case .duplicatedKeysInMapping(let keys, let context)? = error as? YamlError, let key = keys.first,
                      let (line, column, length) = ScenarioLoader.repeatSpan(key: key, after: context.mark, in: text),
                      let placeholder = Self.placeholder(length: length, index: attempt) else {
                    diagnostics.append(ScenarioLoader.yamlDiagnostic(error, path: path))
                    return (nil, diagnostics, masked)
                }
                // One key at a time: the next round finds the mapping's other repeats.
                diagnostics.append(Diagnostic(at: SourceLocation(path: path, line: line, column: column),
                    "duplicate key '\(key)' in one mapping (first at line \(context.mark.line)); YAML allows each key once"))
                text = Self.replace(in: text, line: line, column: column, with: placeholder)
                masked.append(SourceLocation(path: path, line: line, column: column))
            }
        }
        if rounds < 50 {
            diagnostics.append(Diagnostic(at: SourceLocation(path: path, line: 1, column: 1),
                "stopped looking for more repeated keys after \(rounds) in a file of \(yaml.utf8.count) bytes; fix these and validate again"))
        }
        return (nil, diagnostics, masked)
    }

    /// A plain key of `length` characters unlike any real key: "~~~3".
    package static func placeholder(length: Int, index: Int) -> String? {
        let digits = String(index)
        guard length > digits.count else { return length == 1 && index == 0 ? "~" : nil }
        return String(repeating: "~", count: length - digits.count) + digits
    }

    /// `text` with the characters at line:column (1-based, counted in Unicode scalars) replaced.
    package static func replace(in text: String, line: Int, column: Int, with replacement: String) -> String {
        var scalars = Array(text.unicodeScalars)
        var currentLine = 1, i = 0
        while currentLine < line, i < scalars.count {
            if scalars[i] == "\n" || (scalars[i] == "\r" && (i + 1 == scalars.count || scalars[i + 1] != "\n")) { currentLine += 1 }
            i += 1
        }
        let start = i + column - 1
        let new = Array(replacement.unicodeScalars)
        guard start >= 0, start + new.count <= scalars.count else { return text }
        scalars.replaceSubrange(start..<(start + new.count), with: new)
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }
}
