import TicketRushModel
/// A problem found in a scenario file, with where it is: a value, like a lint finding.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    public enum Severity: String, Sendable { case error, warning }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    /// The lint rule that found it (warnings), nil for errors of the format itself.
    public var rule: String?

    public init(_ severity: Severity = .error, at location: SourceLocation, _ message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }

    /// `path:line:column: error: message`, as compilers print.
    public var description: String {
        "\(location): \(severity.rawValue): \(message)" + (rule.map { " [\($0)]" } ?? "")
    }
}

/// Every problem in one or more files, errors first by position.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var items: [Diagnostic]

    public init(_ items: [Diagnostic]) { self.items = items }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    public var description: String { items.map(\.description).joined(separator: "\n") }
}
