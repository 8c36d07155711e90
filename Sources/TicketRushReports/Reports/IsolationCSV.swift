import TicketRushModel
import TicketRushChecks

/// isolation.csv (docs/isolation.md): one row per session case with `case:`, as Hermitage's
/// table reads: the engine and its version, the isolation level, the case, and whether the
/// runs showed the anomaly or how it was prevented. A header alone when the run has none,
/// so a folder never keeps an older run's rows.
package enum IsolationCSV {
    package static let header = "engine,version,isolation,case,outcome,how"

    package static func text(_ results: RunResults) -> String {
        var lines = [header]
        for cell in results.cells {
            guard let row = cell.trials.last?.isolation else { continue }
            lines.append([row.engine, row.version, row.isolation, row.caseName, row.outcome, row.how].map(ResultsCSV.field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension IsolationCSV {
    /// docs/isolation.md's measured table from an isolation.csv: a row per case, a column per
    /// level, `anomaly` or `prevented (how)`; cases in Hermitage's order.
    package static func markdown(_ csv: String) -> String {
        var cells: [String: [String: String]] = [:]
        var engines: [String] = []
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6 else { continue }
            let engine = "\(f[0]) \(f[1])"
            if !engines.contains(engine) { engines.append(engine) }
            cells["\(engine)|\(f[3])", default: [:]][f[2]] = f[4] == "anomaly" ? "**anomaly**" : f[5].isEmpty ? f[4] : "\(f[4]) (\(f[5]))"
        }
        let order = HTMLIsolation.order
        var out: [String] = []
        for engine in engines {
            let names = Set(cells.keys.filter { $0.hasPrefix(engine + "|") }.map { String($0.dropFirst(engine.count + 1)) })
                .sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
            let levels = levels(cells.filter { $0.key.hasPrefix(engine + "|") }.flatMap(\.value.keys))
            if !out.isEmpty { out.append("") }
            out += ["| \(engine) | " + levels.joined(separator: " | ") + " |", "|---|" + levels.map { _ in "---" }.joined(separator: "|") + "|"]
            for name in names { out.append("| \(name) | " + levels.map { cells["\(engine)|\(name)"]?[$0] ?? "" }.joined(separator: " | ") + " |") }
        }
        return out.joined(separator: "\n")
    }

    /// The isolation columns seen, weakest level first: an engine's mode spelled `LEVEL/…`
    /// (SQLite's `serializable/wal`) sorts by its level, then by the rest.
    package static func levels(_ seen: [String]) -> [String] {
        let known = Isolation.allCases.map(\.rawValue)
        func rank(_ l: String) -> Int { known.firstIndex(of: String(l.prefix { $0 != "/" })) ?? known.count }
        return Set(seen).sorted { (rank($0), $0) < (rank($1), $1) }
    }
}
