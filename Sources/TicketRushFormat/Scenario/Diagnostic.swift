import TicketRushModel
/// A problem found in a scenario file, with where it is: a value, like a lint finding.
package struct Diagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    package enum Severity: String, Sendable { case error, warning }

    package var location: SourceLocation
    package var severity: Severity
    package var message: String
    /// The lint rule that found it (warnings), nil for errors of the format itself.
    package var rule: String?

    package init(_ severity: Severity = .error, at location: SourceLocation, _ message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }

    /// `path:line:column: error: message`, as compilers print.
    package var description: String {
        "\(location): \(severity.rawValue): \(message)" + (rule.map { " [\($0)]" } ?? "")
    }
}

/// Every problem in one or more files, errors first by position.
package struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    package var items: [Diagnostic]

    package init(_ items: [Diagnostic]) { self.items = items }

    package var hasErrors: Bool { items.contains { $0.severity == .error } }

    package var description: String { items.map(\.description).joined(separator: "\n") }
}
