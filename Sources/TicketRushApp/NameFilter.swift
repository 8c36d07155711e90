import TicketRushModel
import TicketRushReports

/// `--filter/-k PATTERN` of run, show and merge: which scenarios and sweep cells to keep.
/// A pattern without `*` or `?` keeps every name that contains it (as pytest's -k does); with
/// them it is a glob matched against the whole name (`sweep-locks[lock.mode=flock,…]`) or the
/// cell's label (`lock.mode=flock,…`). `[` is literal: cell names hold brackets.
/// Several patterns keep what any of them keeps.
package enum NameFilter {
    package static func matches(_ pattern: String, name: String, label: String? = nil) -> Bool {
        guard pattern.contains(where: { $0 == "*" || $0 == "?" }) else { return name.contains(pattern) }
        return glob(Array(pattern), Array(name)) || label.map { glob(Array(pattern), Array($0)) } ?? false
    }

    package static func keeps(_ patterns: [String], name: String, label: String?) -> Bool {
        patterns.isEmpty || patterns.contains { matches($0, name: name, label: label) }
    }

    /// The scenarios the patterns keep, in their order.
    package static func select(_ patterns: [String], in scenarios: [Scenario]) -> [Scenario] {
        scenarios.filter { keeps(patterns, name: $0.name, label: $0.cell?.label) }
    }

    /// The cells (and their trials) of merged results the patterns keep.
    package static func select(_ patterns: [String], in results: RunResults) -> RunResults {
        guard !patterns.isEmpty else { return results }
        let kept = results.cellRecords.filter { keeps(patterns, name: $0.name, label: $0.scenario.cell?.label) }
        let names = Set(kept.map(\.name))
        return RunResults(shard: results.shard.map { RunResults.Shard(k: $0.k, n: $0.n) }, startedAt: results.startedAt, cells: kept,
                          trials: results.trials.filter { names.contains($0.scenario) }, incomplete: results.incomplete)
    }

    /// What the error says when nothing is kept.
    package static func nothingKept(_ patterns: [String], names: [String]) -> String {
        let shown = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) in all)" : "")
        return "--filter \(patterns.map { "'\($0)'" }.joined(separator: ", ")) selects no scenario or cell; there are: \(shown)"
    }

    /// `*` any run of characters, `?` one character; iterative, with one backtrack point.
    static func glob(_ p: [Character], _ s: [Character]) -> Bool {
        var (i, j) = (0, 0)
        var star: Int?, mark = 0
        while j < s.count {
            if i < p.count && (p[i] == "?" || p[i] == s[j]) {
                i += 1; j += 1
            } else if i < p.count && p[i] == "*" {
                star = i; mark = j; i += 1
            } else if let st = star {
                i = st + 1; mark += 1; j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == "*" { i += 1 }
        return i == p.count
    }
}
