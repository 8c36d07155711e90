import TicketRushModel
import TicketRushChecks

/// A violated invariant of a program trial shows the last lines its blamed buyers printed:
/// what the program itself said when it went wrong (docs/programs.md). A buyer that exited
/// non-zero or by a signal shows the end of its stderr instead (a traceback's last frames
/// and message), on the invariants that blame it and on `all-finished`.
package enum ProgramFailureText {
    static let linesPerBuyer = 3
    static let buyersShown = 3
    /// stderr lines kept of a failed buyer, and failed buyers shown per result.
    static let stderrLines = 10
    static let failedShown = 2
    /// Each stderr line of a tail starts with this (the HTML report picks the tails out by it).
    package static let tailMark = "  | "

    package static func annotate(_ results: [CheckResult], _ h: TrialHistory) -> [CheckResult] {
        guard !h.output.isEmpty else { return results }
        let whole = h.program == ProgramConfig.Mode.whole.rawValue
        // Whole-program mode: one process, whose exit every buyer shares.
        let failed = (0..<(whole ? min(1, h.buyerCount) : h.buyerCount)).filter { !h.exits[$0].isCleanExit && h.exits[$0] != .unknown }
        return results.map { r in
            guard r.verdict == .violated else { return r }
            var buyers: [Int] = []
            for ref in r.blamed where ref.buyer < h.buyerCount && !buyers.contains(ref.buyer) { buyers.append(ref.buyer) }
            var out = r
            var tails = r.invariant == .allFinished ? failed : failed.filter { buyers.contains($0) }
            if whole, !failed.isEmpty, r.invariant == .allFinished || !buyers.isEmpty { tails = failed }
            for b in tails.prefix(failedShown) { out.details += stderrTail(b, h, whole: whole) }
            if tails.count > failedShown {
                out.details.append("\(tails.count - failedShown) more buyers failed: their output is in buyer-N.out (--work) and the transcript")
            }
            if buyers.isEmpty, whole, tails.isEmpty {
                let tail = h.output.suffix(linesPerBuyer * 2)
                if !tail.isEmpty { out.details.append("the program's last lines: " + tail.map { quoted($0) }.joined(separator: " · ")) }
                return out
            }
            for b in buyers.prefix(buyersShown) where !tails.contains(b) && !whole {
                let tail = h.output.filter { $0.buyer == b || ($0.buyer == nil && $0.text.contains(h.name(b))) }.suffix(linesPerBuyer)
                guard !tail.isEmpty else { continue }
                out.details.append("\(h.name(b))'s last lines: " + tail.map { quoted($0) }.joined(separator: " · "))
            }
            return out
        }
    }

    /// "fan-2 exited 1; its stderr ends:" and its last stderr lines (its stdout's when it
    /// wrote nothing to stderr), each behind `tailMark`.
    static func stderrTail(_ b: Int, _ h: TrialHistory, whole: Bool) -> [String] {
        let mine = whole ? h.output : h.output.filter { $0.buyer == b }
        var lines = mine.filter { $0.stream == .stderr }
        var stream = "stderr"
        if lines.isEmpty {
            lines = mine
            stream = "output"
        }
        let who = whole ? "the program" : h.name(b)
        guard !lines.isEmpty else { return ["\(who) \(h.exits[b].description) and printed nothing"] }
        let tail = lines.suffix(stderrLines)
        let head = tail.count < lines.count ? "its \(stream) ends (last \(tail.count) of \(lines.count) lines):" : "its \(stream):"
        return ["\(who) \(h.exits[b].description); \(head)"] + tail.map { tailMark + clipped($0.text) }
    }

    private static func clipped(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private static func quoted(_ line: OutputLine) -> String {
        (line.stream == .stderr ? "[stderr] " : "") + "\"\(clipped(line.text))\""
    }
}
