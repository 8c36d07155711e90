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
