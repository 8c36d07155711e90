#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import TicketRushModel
import TicketRushFormat

/// Diagnostics for a terminal: with the offending line and a caret when `fd` is one.
package enum DiagnosticOutput {
    /// Every diagnostic as text; excerpts when `excerpts` (default: `fd` is a terminal).
    /// `known` holds texts that are not files (standard input), by the path diagnostics name.
    package static func text(_ items: [Diagnostic], excerpts: Bool? = nil, fd: Int32, known: [String: String] = [:]) -> String {
        let show = excerpts ?? (isatty(fd) == 1)
        var sources = known
        return items.map { item in
            // Names and paths may carry control characters: shown as \u001b, never sent raw.
            var d = item
            d.message = visible(d.message)
            guard show else { return visible(d.description) }
            if sources[d.location.path] == nil {
                sources[d.location.path] = FileManager.default.contents(atPath: d.location.path)
                    .flatMap { String(data: $0, encoding: .utf8) } ?? ""
            }
            return DiagnosticText.render(d, source: sources[d.location.path])
                .split(separator: "\n", omittingEmptySubsequences: false).map { visible(String($0), keepTabs: true) }.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
