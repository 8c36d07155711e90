import TicketRushModel

/// The one line/column model of scenario files: a line ends at "\n", "\r\n" or a lone "\r"
/// (as YAML counts them), and columns count Unicode scalars from 1 (as libyaml's marks do),
/// so a location reads the same whichever part of the loader found the problem.
package enum SourceText {
    /// Line and column of the scalar at `offset` (0-based; the end of the text is allowed).
    package static func location(scalarOffset offset: Int, in text: String, path: String) -> SourceLocation {
        var line = 1, column = 1
        var previous: Unicode.Scalar? = nil
        for (i, s) in text.unicodeScalars.enumerated() {
            if i >= offset { break }
            if s == "\n" {
                // "\r\n" is one break: the "\r" before it already moved to the next line.
                if previous != "\r" { line += 1 }
                column = 1
            } else if s == "\r" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            previous = s
        }
        return SourceLocation(path: path, line: line, column: column)
    }

    /// Where the first `scalar` stands, or the end of the text.
    package static func location(of scalar: Unicode.Scalar, in text: String, path: String) -> SourceLocation {
        let offset = text.unicodeScalars.firstIndex(of: scalar).map { text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: $0) }
        return location(scalarOffset: offset ?? text.unicodeScalars.count, in: text, path: path)
    }

    /// Where the first byte that is not UTF-8 stands: after the valid scalars before it.
    package static func firstInvalidUTF8<C: Collection>(_ bytes: C, path: String) -> SourceLocation where C.Element == UInt8 {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var valid = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): valid.append(s)
            case .emptyInput, .error: break loop
            }
        }
        let text = String(valid)
        return location(scalarOffset: text.unicodeScalars.count, in: text, path: path)
    }
}
