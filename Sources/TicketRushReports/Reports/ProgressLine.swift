#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChecks

/// The progress line on stderr: redrawn in place on a terminal, a plain line every few
/// seconds otherwise (CI logs), nothing when quiet.
package struct ProgressLine {
    package enum Mode { case terminal, lines, quiet }

    package let mode: Mode
    package let planned: [String: Int]
    package let total: Int
    /// Cells under a stopping rule (`trials: {until: …}`): their planned count is only a
    /// maximum, so no denominator or ETA can count them as work to come.
    package let bounded: Set<String>
    package let write: (String) -> Void
    private var done: [String: Int] = [:]
    private var finished = Set<String>()
    private var trials = 0
    private var failing = 0
    private var unexpected = 0
    /// Per cell, what it expects of each invariant: a violation it expects is not "unexpected".
    package let expectations: [String: [Invariant: Expectation]]
    private let started = MonotonicClock.now()
    private var lastShown: UInt64 = 0
    private var shown = false

    /// `planned`: trials each cell may run (the maximum under a stopping rule, named in `bounded`).
    package init(mode: Mode, planned: [(String, Int)], bounded: Set<String> = [], expectations: [String: [Invariant: Expectation]] = [:],
                write: @escaping (String) -> Void) {
        self.mode = mode
        self.bounded = bounded
        self.expectations = expectations
        self.planned = Dictionary(planned, uniquingKeysWith: +)
        total = planned.reduce(0) { $0 + $1.1 }
        self.write = write
    }

    /// The mode for stderr as it is now.
    package static func mode(quiet: Bool) -> Mode {
        quiet ? .quiet : (isatty(2) != 0 ? .terminal : .lines)
    }

    package mutating func add(_ record: TrialRecord) {
        trials += 1
        if record.failed { failing += 1 }
        let expects = expectations[record.scenario] ?? [:]
        if record.results.contains(where: { $0.verdict == .violated && (expects[$0.invariant] ?? .hold) == .hold }) { unexpected += 1 }
        done[record.scenario, default: 0] += 1
        if done[record.scenario] == planned[record.scenario] { finished.insert(record.scenario) }
        show(force: false)
    }

    /// A cell that stopped early under its rule.
    package mutating func finishCell(_ name: String) {
        finished.insert(name)
    }

    /// The current line: `cells 2/4  trials 130/400  violating 12 (9.2%), unexpected 0  ETA 0:41`.
    /// While a cell under a stopping rule is unfinished the total is a bound (`trials 130/≤5400`)
    /// and there is no ETA: a rule that stops after 300 of 5000 would make any estimate a guess.
    package var line: String {
        let elapsed = Double(MonotonicClock.now() - started) / 1e9
        var remaining = 0, open = false
        for (cell, count) in planned where !finished.contains(cell) {
            remaining += max(0, count - (done[cell] ?? 0))
            if bounded.contains(cell) { open = true }
        }
        var text = "cells \(finished.count)/\(planned.count)  trials \(trials)/\(open ? "≤" : "")\(trials + remaining)"
        text += "  violating \(failing)" + (trials > 0 ? " (\(percent(Double(failing) / Double(trials))))" : "")
        // Expected violations are most of a race suite's: say how many were not.
        text += ", unexpected \(unexpected)"
        if trials > 0 && remaining > 0 && !open {
            let eta = Int((elapsed / Double(trials) * Double(remaining)).rounded())
            text += "  ETA \(eta / 60):\(eta % 60 < 10 ? "0" : "")\(eta % 60)"
        }
        return text
    }

    private mutating func show(force: Bool) {
        let now = MonotonicClock.now()
        switch mode {
        case .quiet: return
        case .terminal:
            guard force || now - lastShown >= 100_000_000 else { return }
            write("\r\u{1B}[K" + line)
        case .lines:
            guard force || now - lastShown >= 5_000_000_000 else { return }
            write("progress: " + line + "\n")
        }
        lastShown = now
        shown = true
    }

    /// Clears the terminal line (so the summary starts clean).
    package mutating func end() {
        if mode == .terminal && shown { write("\r\u{1B}[K") }
    }
}
