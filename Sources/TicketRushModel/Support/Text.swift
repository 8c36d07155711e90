/// Lists at most `limit` items and says how many more there were.
package func listed(_ items: [String], limit: Int = 5) -> String {
    let shown = items.prefix(limit).joined(separator: ", ")
    return items.count > limit ? "\(shown), … (\(items.count - limit) more)" : shown
}

/// "1 ticket" / "3 tickets".
package func plural(_ n: Int, _ word: String) -> String {
    "\(n) \(word)\(n == 1 ? "" : "s")"
}

/// `value` with exactly `places` decimals, rounded half away from zero (no Foundation).
public func fixed(_ value: Double, places: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return String(value) }
    let units = UInt64(scaled), whole = units / UInt64(scale), frac = units % UInt64(scale)
    let sign = value < 0 && units > 0 ? "-" : ""
    guard places > 0 else { return sign + String(whole) }
    let digits = String(frac)
    return sign + String(whole) + "." + String(repeating: "0", count: places - digits.count) + digits
}

/// Nanoseconds as milliseconds with three decimals, "12.345", rounded half up: the one
/// time format of every report, so a value reads the same in the terminal, CSV and JSON.
public func millisText(_ ns: UInt64) -> String {
    let micros = ns / 1000 + (ns % 1000 >= 500 ? 1 : 0)
    let frac = String(micros % 1000)
    return "\(micros / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}

/// "12.345 ms".
public func formatMillis(_ ns: UInt64) -> String { millisText(ns) + " ms" }
