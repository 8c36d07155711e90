#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushChecks

/// results.csv: one row per trial, columns documented in docs/results.md.
package enum ResultsCSV {
    package static func text(_ results: RunResults) -> String {
        let cells = results.cells
        var parameters: [String] = []
        for c in cells { for p in c.record.parameters ?? [] where !parameters.contains(p.path) { parameters.append(p.path) } }
        let invariants = Invariant.allCases.map(\.rawValue)
        let header = ["scenario", "cell"] + parameters + ["trial", "seed", "tickets", "buyers", "sold", "final_count"]
            + invariants + ["torn_reads", "timed_out", "schedule", "coverage", "duration_ms", "purchases_per_s", "latency_p50_ms", "latency_max_ms",
                            "lock_wait_ms", "lock_hold_ms"]
        var lines = [header.map(field).joined(separator: ",")]
        for c in cells {
            let values = Dictionary((c.record.parameters ?? []).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
            for t in c.trials {
                let verdicts = Dictionary(t.results.map { ($0.invariant.rawValue, $0.verdict.rawValue) }, uniquingKeysWith: { a, _ in a })
                let latency = Percentiles(t.latenciesNs)
                var row = [c.record.baseName, parameters.isEmpty ? "" : (c.report.scenario.cell?.label ?? "")]
                row += parameters.map { values[$0] ?? "" }
                row += ["\(t.trial + 1)", "\(t.seed)", "\(c.record.scenario.tickets)", "\(c.record.scenario.buyers.count)", "\(t.sold)",
                        { if case .count(let n) = t.finalRead { return String(n) } else { return "" } }()]
                row += invariants.map { verdicts[$0] ?? "" }
                row += ["\(t.tornReads)", t.timedOut ? "true" : "false", t.schedule ?? "", t.exploration?.statement ?? "", millis(t.durationNs),
                        t.durationNs == 0 ? "0" : fixed(Double(t.sold) / (Double(t.durationNs) / 1e9), places: 1),
                        latency.map { millis($0.p50) } ?? "", latency.map { millis($0.max) } ?? "",
                        millis(t.lockWaitNs), millis(t.lockHoldNs)]
                lines.append(row.map(field).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: quoted when it holds a comma, quote, line break or edge space. A text cell
    /// that starts with `= + - @` (or a tab or carriage return) gets a leading `'`, as OWASP
    /// recommends against formula injection; plain numbers such as -3 stay numbers.
    package static func field(_ text: String) -> String {
        // Most cells (numbers, verdicts, schedule strings) need nothing, and the bytes say so
        // without walking Characters (a 2,000-schedule cell has 80,000 cells): none of
        // `, " LF CR`, no `= + - @ TAB CR` or space first, no space last.
        if let first = text.utf8.first, let last = text.utf8.last, !"=+-@\t\r ".utf8.contains(first), last != 0x20,
           !text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            return text
        }
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isNumber(text) { text = "'" + text }
        let needs = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || text.first == " " || text.last == " "
        return needs ? "\"" + text.replacingAll("\"", with: "\"\"") + "\"" : text
    }

    /// `-12`, `+3.5`: an optional sign, digits, at most one dot.
    private static func isNumber(_ text: String) -> Bool {
        let body = text.drop { $0 == "-" || $0 == "+" }
        return text.count - body.count == 1 && !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            && body.filter { $0 == "." }.count <= 1 && body != "."
    }
}

/// Milliseconds with three decimals, as plain text: `12.345`.
package func millis(_ ns: UInt64) -> String { millisText(ns) }
