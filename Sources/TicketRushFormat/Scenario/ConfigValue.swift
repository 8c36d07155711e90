import TicketRushModel
/// A scenario value after loading: shorthands expanded, durations in nanoseconds, defaults filled.
package indirect enum ConfigValue: Sendable, Equatable {
    case int(Int)
    case number(Double)
    case text(String)
    case duration(Int64)
    case uniform(Int64, Int64)
    case list([ConfigValue])
    case object([String: ConfigValue])

    package subscript(key: String) -> ConfigValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    package var int: Int? {
        if case .int(let v) = self { return v }
        return nil
    }

    package var text: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    package var number: Double? {
        switch self {
        case .number(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    package var delay: Delay? {
        switch self {
        case .duration(let ns): return .fixed(ns)
        case .uniform(let a, let b): return .uniform(a, b)
        default: return nil
        }
    }
}
