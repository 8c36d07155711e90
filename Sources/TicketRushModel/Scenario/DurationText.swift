/// Durations as scenario files write them: "1s", "250ms", "40us", "2m", or bare seconds.
public enum DurationText {
    package static let units: [(suffix: String, ns: Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Nanoseconds for a duration string, or nil when it is not one. Negative is not a duration.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces
        // Longest suffix first so "ms" is not read as "s" after a number "…m".
        for unit in units.sorted(by: { $0.suffix.count > $1.suffix.count }) where trimmed.hasSuffix(unit.suffix) {
            let number = String(trimmed.dropLast(unit.suffix.count)).trimmingSpaces
            guard let value = plainNumber(number) else { return nil }
            return nanoseconds(value * unit.ns)
        }
        return plainNumber(trimmed).flatMap { nanoseconds($0 * 1e9) }
    }

    /// Seconds given as a YAML number.
    public static func seconds(_ value: Double) -> Int64? {
        nanoseconds(value * 1e9)
    }

    /// Shortest exact text for nanoseconds: "1s", "250ms", "40us", "0".
    public static func format(_ ns: Int64) -> String {
        if ns == 0 { return "0" }
        for (suffix, size) in [("h", Int64(3_600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1000)]
        where ns % size == 0 {
            return "\(ns / size)\(suffix)"
        }
        return "\(ns)ns"
    }

    private static func nanoseconds(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 9.2e18 else { return nil }
        return Int64(value.rounded())
    }

    /// Digits with at most one dot; no sign, no exponent, no "inf".
    private static func plainNumber(_ text: String) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              text.filter({ $0 == "." }).count <= 1, text != "." else { return nil }
        return Double(text)
    }
}

extension String {
    package var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
