//
//  Construct.swift — the scalar constructors TicketRushFormat reads (Int, Double, String),
//  from Yams's Constructor.swift (MIT, Copyright (c) 2016 Yams; see Sources/CYaml/README.md),
//  with Foundation's replacingOccurrences and components(separatedBy:) replaced by stdlib.
//

extension String {
    /// Construct a `String` from a node: the scalar's text, or a `=` (value) key's value.
    static func construct(from node: Node) -> String? {
        // This will happen while `Dictionary.flatten_mapping()` if `node.tag.name` was `.value`
        if case let .mapping(mapping) = node {
            for (key, value) in mapping where key.tag.name == .value {
                return construct(from: value)
            }
        }
        return node.scalar?.string
    }
}

extension Double {
    /// A YAML 1.1 float (`.inf`, `.nan`, `1_000.5`, `1:30.5`), plain scalars only.
    package static func construct(from scalar: Node.Scalar) -> Double? {
        guard scalar.style == .any || scalar.style == .plain else {
            return nil
        }
        switch scalar.string.lowercased() {
        case ".inf", "+.inf":
            return .infinity
        case "-.inf":
            return -.infinity
        case ".nan":
            return .nan
        default:
            let string = scalar.string.removingUnderscores
            if string.contains(":") {
                return string.sexagesimal { Double($0) }
            }
            return Double(string)
        }
    }
}

extension Int {
    /// A YAML 1.1 int (`0x1F`, `0b10`, `0o17`, `017`, `1_000`, `1:30`), plain scalars only.
    package static func construct(from scalar: Node.Scalar) -> Int? {
        guard scalar.style == .any || scalar.style == .plain else {
            return nil
        }
        let scalarWithSign = scalar.string.removingUnderscores
        if scalarWithSign == "0" {
            return 0
        }
        let negative = scalarWithSign.hasPrefix("-")
        let signPrefix = negative ? "-" : ""
        let hasSign = negative || scalarWithSign.hasPrefix("+")
        let prefixToRadix: [(String, Int)] = [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)]
        let scalar = scalarWithSign.dropFirst(hasSign ? 1 : 0)
        for (prefix, radix) in prefixToRadix where scalar.hasPrefix(prefix) {
            return Int(signPrefix + scalar.dropFirst(prefix.count), radix: radix)
        }
        if scalar.contains(":") {
            return scalarWithSign.sexagesimal { Int($0, radix: 10) }
        }
        return Int(scalarWithSign)
    }
}

private extension String {
    var removingUnderscores: String { String(unicodeScalars.filter { $0 != "_" }) }

    /// Base 60: "1:30" is 90. Overflow traps as in Yams.
    func sexagesimal<T: Numeric>(_ create: (String) -> T?) -> T? {
        var scalar = Substring(self)
        var sign: T = 1
        if scalar.hasPrefix("-") {
            sign = -1
            scalar = scalar.dropFirst()
        } else if scalar.hasPrefix("+") {
            scalar = scalar.dropFirst()
        }
        let components = scalar.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let mapped = components.compactMap(create)
        guard mapped.count == components.count else {
            return nil
        }
        var base: T = 1, value: T = 0
        for digit in mapped.reversed() {
            value = value + digit * base
            base = base * 60
        }
        return sign * value
    }
}
