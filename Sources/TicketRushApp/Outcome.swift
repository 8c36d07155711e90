/// What a command of the application layer ends with: the exit code (README: 0 met, 1 unmet,
/// 2 bad usage or input, 3 the runner failed, 130 interrupted) and the lines left to print.
package struct Outcome: Sendable, Equatable {
    package enum Stream: Sendable, Equatable { case out, err }

    package struct Line: Sendable, Equatable {
        package var stream: Stream
        package var text: String

        package init(stream: Stream, text: String) {
            self.stream = stream
            self.text = text
        }
    }

    package var code: Int32
    package var lines: [Line]

    package init(code: Int32, lines: [Line] = []) {
        self.code = code
        self.lines = lines
    }

    /// The standard output lines, in order.
    package var out: [String] { lines.filter { $0.stream == .out }.map(\.text) }
    /// The standard error lines, in order.
    package var err: [String] { lines.filter { $0.stream == .err }.map(\.text) }

    /// `ticketrush: error: WHY` with `code`.
    static func error(_ why: String, code: Int32) -> Outcome {
        Outcome(code: code, lines: [Line(stream: .err, text: "ticketrush: error: \(why)")])
    }
}

/// Where a command prints while it works (progress, transcripts, servers started): the
/// CLI passes the terminal, tests a collector.
package struct Console {
    /// One line for standard output.
    package var out: (String) -> Void
    /// Text for standard error, written as is (the progress line redraws with `\r`).
    package var err: (String) -> Void

    package init(out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
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
