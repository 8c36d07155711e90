import TicketRushModel
import TicketRushChecks

/// The isolation table of a run with session cases (docs/isolation.md): per engine, a row per
/// case and a column per isolation level, each square what the runs showed and how the
/// anomaly was prevented, linked to the cell's row; then each anomaly's steps.
enum HTMLIsolation {
    static let style = """
        table.iso td.anomaly{background:#fde2b3}table.iso td.prevented{background:#d8f0dc}table.iso td.unknown{background:#e6e6e6}
        table.iso td,table.iso th{padding:3px 8px;text-align:left}table.iso td small{color:#555}
        """

    /// Hermitage's order of cases (its table's columns, variants after their case); others follow by name.
    static let order = ["G0", "G1a", "G1b", "G1c", "OTV", "PMP", "PMP-write", "P4", "G-single", "G-single-predicate", "G-single-write",
                        "G2-item", "G2", "G2-two-edges"]

    static func section(_ cells: [RunResults.Cell]) -> String {
        let rows = cells.enumerated().compactMap { n, c in c.trials.last?.isolation.map { (n, c, $0) } }
        guard !rows.isEmpty else { return "" }
        let esc = HTMLReport.escape
        var out = "<h2>Isolation: what each case showed</h2>\n<p>Per engine and isolation level: <b>anomaly</b> (a run no serial order explains, or the case's own effect, <code>anomaly_if</code>) or <b>prevented</b> and how. Each square links to its cell.</p>\n"
        let engines = rows.map { "\($0.2.engine) \($0.2.version)" }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for engine in engines {
            let mine = rows.filter { "\($0.2.engine) \($0.2.version)" == engine }
            let levels = IsolationCSV.levels(mine.map(\.2.isolation))
            let cases = mine.map(\.2.caseName).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
            out += "<h3>\(esc(engine))</h3>\n<table class=\"iso\"><tr><th>case</th>" + levels.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
            for name in cases {
                out += "<tr><th>\(esc(name))</th>"
                for level in levels {
                    guard let (n, _, row) = mine.first(where: { $0.2.caseName == name && $0.2.isolation == level }) else { out += "<td></td>"; continue }
                    let how = row.how.isEmpty ? "" : " <small>\(esc(row.how))</small>"
                    out += "<td class=\"\(esc(row.outcome))\"><a href=\"#c\(n)\">\(esc(row.outcome))</a>\(how)</td>"
                }
                out += "</tr>\n"
            }
            out += "</table>\n"
        }
        // The anomalies' runs, step by step: what the table's squares rest on.
        for (_, c, row) in rows where row.outcome == "anomaly" {
            guard let t = c.firstFailing, let r = t.results.first(where: { $0.verdict == .violated }) ?? t.results.first else { continue }
            out += "<details class=\"cellsec\" data-name=\"\(esc(c.record.name))\"><summary>\(esc(row.caseName)) at \(esc(row.isolation)): \(esc(r.summary))</summary>\n<pre>"
                + esc(r.details.joined(separator: "\n")) + "</pre></details>\n"
        }
        return out
    }
}
