/// A JSON string literal for `text`, escaped per RFC 8259.
package func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// A JSON document as a value, and the one writer every hand-made JSON output uses
/// (summary lines, validate --format json, the JSON Schema): no Foundation, so the
/// model, the checks and the reports share it. Typed records use Codable instead.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in the order given; `text(sortedKeys:)` may sort them.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.text() == b.text() }

    /// From the plain values of a `[String: Any]` tree (String, Bool, Int, Double, arrays,
    /// dictionaries, nil/NSNull as null); anything else becomes its description.
    public init(any value: Any?) {
        switch value {
        case nil: self = .null
        case let v as JSONValue: self = v
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .int(v)
        case let v as Double: self = v.rounded() == v && abs(v) < 1e15 ? .int(Int(v)) : .number(v)
        case let v as String: self = .string(v)
        case let v as [Any]: self = .array(v.map { JSONValue(any: $0) })
        case let v as [String: Any]: self = .object(v.map { ($0.key, JSONValue(any: $0.value)) })
        case let v?: self = "\(v)" == "<null>" ? .null : .string("\(v)")
        }
    }

    /// Compact (`{"a":1}`) or pretty in the layout Foundation's pretty printer used
    /// (two spaces, `"key" : value`), so files written before read the same.
    public func text(pretty: Bool = false, sortedKeys: Bool = false) -> String {
        var out = ""
        write(&out, pretty: pretty, sorted: sortedKeys, indent: 0)
        return out
    }

    private func write(_ out: inout String, pretty: Bool, sorted: Bool, indent: Int) {
        let pad = pretty ? String(repeating: " ", count: indent + 2) : ""
        let close = pretty ? String(repeating: " ", count: indent) : ""
        let newline = pretty ? "\n" : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): out += jsonString(s)
        case .array(let items):
            out += "[" + newline
            for (i, item) in items.enumerated() {
                out += pad
                item.write(&out, pretty: pretty, sorted: sorted, indent: indent + 2)
                out += (i + 1 < items.count ? "," : "") + newline
            }
            if items.isEmpty { out += newline }
            out += close + "]"
        case .object(let fields):
            let ordered = sorted ? fields.sorted { $0.0 < $1.0 } : fields
            out += "{" + newline
            for (i, (key, value)) in ordered.enumerated() {
                out += pad + jsonString(key) + (pretty ? " : " : ":")
                value.write(&out, pretty: pretty, sorted: sorted, indent: indent + 2)
                out += (i + 1 < ordered.count ? "," : "") + newline
            }
            if ordered.isEmpty { out += newline }
            out += close + "}"
        }
    }
}
