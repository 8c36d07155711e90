import TicketRushModel
import TicketRushChecks

/// A violated invariant of a program trial shows the last lines its blamed buyers printed:
/// what the program itself said when it went wrong (docs/programs.md).
package enum ProgramFailureText {
    static let linesPerBuyer = 3
    static let buyersShown = 3

    package static func annotate(_ results: [CheckResult], _ h: TrialHistory) -> [CheckResult] {
        guard !h.output.isEmpty else { return results }
        return results.map { r in
            guard r.verdict == .violated else { return r }
            var buyers: [Int] = []
            for ref in r.blamed where ref.buyer < h.buyerCount && !buyers.contains(ref.buyer) { buyers.append(ref.buyer) }
            var out = r
            if buyers.isEmpty, h.program == ProgramConfig.Mode.whole.rawValue {
                let tail = h.output.suffix(linesPerBuyer * 2)
                if !tail.isEmpty { out.details.append("the program's last lines: " + tail.map { quoted($0) }.joined(separator: " · ")) }
                return out
            }
            for b in buyers.prefix(buyersShown) {
                let tail = h.output.filter { $0.buyer == b || ($0.buyer == nil && $0.text.contains(h.name(b))) }.suffix(linesPerBuyer)
                guard !tail.isEmpty else { continue }
                out.details.append("\(h.name(b))'s last lines: " + tail.map { quoted($0) }.joined(separator: " · "))
            }
            return out
        }
    }

    private static func quoted(_ line: OutputLine) -> String {
        let text = line.text.count > 200 ? String(line.text.prefix(200)) + "…" : line.text
        return (line.stream == .stderr ? "[stderr] " : "") + "\"\(text)\""
    }
}
