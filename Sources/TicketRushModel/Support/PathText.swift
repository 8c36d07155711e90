/// The few NSString path and trimming operations the app needs, as plain string functions
/// that give the same results (swift-corelibs-foundation's rules): Foundation's NSString and
/// CharacterSet would link ICU into the static binaries (issue 23).
extension String {
    /// Repeated slashes made one and a trailing slash dropped ("/" stays "/").
    private var fixingSlashes: String {
        var out = ""
        for c in self where !(c == "/" && out.hasSuffix("/")) { out.append(c) }
        if out.count > 1, out.hasSuffix("/") { out.removeLast() }
        return out
    }

    /// NSString.lastPathComponent: "a/b.yaml/" → "b.yaml", "/" → "/", "" → "".
    package var pathLastComponent: String {
        let fixed = fixingSlashes
        guard fixed.count > 1, let slash = fixed.lastIndex(of: "/") else { return fixed }
        return String(fixed[fixed.index(after: slash)...])
    }

    /// NSString.deletingLastPathComponent: "a/b" → "a", "/a" → "/", "a" → "", "/" → "/".
    package var pathDeletingLastComponent: String {
        let fixed = fixingSlashes
        if fixed == "/" || fixed.isEmpty { return fixed }
        guard let slash = fixed.lastIndex(of: "/") else { return "" }
        return slash == fixed.startIndex ? "/" : String(fixed[..<slash])
    }

    /// NSString.deletingPathExtension: "a/b.c.yaml" → "a/b.c"; a leading dot (".yaml") and
    /// ".." are not extensions.
    package var pathDeletingExtension: String {
        let fixed = fixingSlashes
        if fixed == "/" { return fixed }
        let start = fixed.lastIndex(of: "/").map { fixed.index(after: $0) } ?? fixed.startIndex
        let last = fixed[start...]
        guard last != "..", let dot = last.lastIndex(of: "."), dot != start else { return fixed }
        return String(fixed[..<dot])
    }

    /// trimmingCharacters(in: .whitespaces): tabs, Unicode space separators (Zs) and, as
    /// Foundation's set has it, U+200B off both ends.
    package var trimmingWhitespace: String {
        func blank(_ s: Unicode.Scalar) -> Bool { s == "\t" || s == "\u{200B}" || s.properties.generalCategory == .spaceSeparator }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank($0) }), let last = scalars.lastIndex(where: { !blank($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
