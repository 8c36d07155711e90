import TicketRushModel

/// `outcomes`: each line a program prints, tried against the patterns in step order; the
/// first that matches makes the line that event. Named groups `buyer` and `value` fill it in.
package struct LinePatterns {
    package struct Match: Equatable {
        package var kind: EventKind
        package var value: Int64
        package var buyer: String?
    }

    private let compiled: [(kind: EventKind, regex: Regex<AnyRegexOutput>, buyer: Bool, value: Bool)]

    /// Patterns the loader already checked; one that still fails to compile is skipped.
    package init(_ patterns: [OutcomePattern]) {
        compiled = patterns.compactMap { p in
            guard let regex = try? Regex(p.pattern) else { return nil }
            return (p.kind, regex, p.pattern.contains("(?<buyer>"), p.pattern.contains("(?<value>"))
        }
    }

    package var isEmpty: Bool { compiled.isEmpty }

    package func match(_ line: String) -> Match? {
        for p in compiled {
            guard let m = try? p.regex.firstMatch(in: line) else { continue }
            var value: Int64 = 0
            if p.value, let text = m.output["value"]?.substring, let n = Int64(text) { value = n }
            var buyer: String?
            if p.buyer, let text = m.output["buyer"]?.substring { buyer = String(text) }
            return Match(kind: p.kind, value: value, buyer: buyer)
        }
        return nil
    }
}
