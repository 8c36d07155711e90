/// What a command of the application layer ends with: the exit code (README: 0 met, 1 unmet,
/// 2 bad usage or input, 3 the runner failed, 130 interrupted) and the lines left to print.
public struct Outcome: Sendable, Equatable {
    public enum Stream: Sendable, Equatable { case out, err }

    public struct Line: Sendable, Equatable {
        public var stream: Stream
        public var text: String

        public init(stream: Stream, text: String) {
            self.stream = stream
            self.text = text
        }
    }

    public var code: Int32
    public var lines: [Line]

    public init(code: Int32, lines: [Line] = []) {
        self.code = code
        self.lines = lines
    }

    /// The standard output lines, in order.
    public var out: [String] { lines.filter { $0.stream == .out }.map(\.text) }
    /// The standard error lines, in order.
    public var err: [String] { lines.filter { $0.stream == .err }.map(\.text) }

    /// `ticketrush: error: WHY` with `code`.
    static func error(_ why: String, code: Int32) -> Outcome {
        Outcome(code: code, lines: [Line(stream: .err, text: "ticketrush: error: \(why)")])
    }
}

/// Where a command prints while it works (progress, transcripts, servers started): the
/// CLI passes the terminal, tests a collector.
public struct Console {
    /// One line for standard output.
    public var out: (String) -> Void
    /// Text for standard error, written as is (the progress line redraws with `\r`).
    public var err: (String) -> Void

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.out = out
        self.err = err
    }

    /// One line on standard error.
    func errLine(_ text: String) { err(text + "\n") }
}

/// A step that ends the command early: thrown by the steps, turned into the outcome.
struct Stop: Error {
    var outcome: Outcome

    init(_ outcome: Outcome) { self.outcome = outcome }

    /// `ticketrush: error: WHY`, exit `code`.
    static func error(_ why: String, code: Int32) -> Stop { Stop(.error(why, code: code)) }
}
