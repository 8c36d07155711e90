import TicketRushModel
/// "Did you mean …?" from edit distance, as compilers suggest.
package enum Suggest {
    /// The closest candidate within a third of the word's length (at least 2 edits).
    package static func closest(to word: String, in candidates: [String]) -> String? {
        // `lock_mode` → `lock`: a candidate that is one part of a compound key.
        let parts = word.lowercased().split { $0 == "_" || $0 == "-" || $0 == "." }.map(String.init)
        if parts.count > 1, let hit = candidates.first(where: { parts.contains($0.lowercased()) }) { return hit }
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, distance(normalise(word), normalise($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit else { return nil }
        return best.0
    }

    /// `lock_mode` and `lock-mode` compare as `lockmode`: separators are noise here.
    private static func normalise(_ s: String) -> [Character] {
        Array(s.lowercased().filter { $0 != "_" && $0 != "-" && $0 != "." })
    }

    /// Levenshtein distance.
    package static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
