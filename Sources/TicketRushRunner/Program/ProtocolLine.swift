import TicketRushModel

/// One line of the program protocol (docs/programs.md): a flat JSON object such as
/// `{"event": "purchase.read", "value": 1, "task": 1, "buyer": "路人3"}`. Parsed by hand
/// from the bytes, with no Foundation and no allocation beyond the strings it returns:
/// the runner's cost per event must stay in microseconds.
package struct ProtocolLine: Equatable {
    package var kind: EventKind
    package var value: Int64 = 0
    /// 1-based, as the log writes it; nil: the runner counts tasks.
    package var task: Int?
    /// A buyer's name (program mode); nil: the pipe says who.
    package var buyer: String?
    /// `error` only: the reason as written.
    package var reason: String?
    /// Reads and writes (`purchase.read`, `purchase.write`, `key.read`, `key.write`): the
    /// version tag read or installed (docs/events.md, "Transactional events"); nil: none sent.
    package var version: Int32? = nil
    /// `key.read`, `key.write` and the row events: the key (default 0, the counter).
    package var key: UInt16 = 0

    /// The line's event, or nil when it is not a JSON object with a known `event` kind
    /// (the runner counts it as malformed).
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ProtocolLine? {
        var p = Parser(bytes: bytes)
        return p.line()
    }

    package static func parse(_ text: String) -> ProtocolLine? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func line() -> ProtocolLine? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var kindName: String?
            var value: Int64 = 0, task: Int?, buyer: String?, reason: String?, version: Int32?, keyNumber: UInt16 = 0
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    switch key {
                    case "event": guard let s = string() else { return nil }; kindName = s
                    case "value": guard let n = number() else { return nil }; value = n
                    case "task":
                        guard let n = number(), n >= 1, n <= 1_000_000 else { return nil }
                        task = Int(n)
                    case "buyer":
                        if let s = string() { buyer = s } else if let n = number() { buyer = String(n) } else { return nil }
                    case "reason": guard let s = string() else { return nil }; reason = s
                    case "version":
                        guard let n = number(), let v = Int32(exactly: n), v >= 0 else { return nil }
                        version = v
                    case "key":
                        guard let n = number(), let k = UInt16(exactly: n) else { return nil }
                        keyNumber = k
                    default: guard skipValue(depth: 0) else { return nil }
                    }
                    skipSpace()
                    if take(UInt8(ascii: ",")) { continue }
                    if take(UInt8(ascii: "}")) { break }
                    return nil
                }
            }
            skipSpace()
            guard i == bytes.count, let kindName, let kind = EventKind(name: kindName), kind.isBuyerStep else { return nil }
            return ProtocolLine(kind: kind, value: value, task: task, buyer: buyer, reason: reason, version: version, key: keyNumber)
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0d || bytes[i] == 0x0a { i += 1 }
        }

        mutating func take(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }

        /// An integer (a fraction or exponent is cut to its integer part; out of range is malformed).
        mutating func number() -> Int64? {
            let start = i
            var negative = false
            if take(UInt8(ascii: "-")) { negative = true }
            var n: Int64 = 0
            var digits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 0x30))
                if o1 || o2 { return nil }
                n = a
                digits += 1
                i += 1
            }
            guard digits > 0 else { i = start; return nil }
            if take(UInt8(ascii: ".")) { while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 } }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
            return negative ? -n : n
        }

        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            // Fast path: no escapes.
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            var out = Array(bytes[start..<i])
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c < 0x20 { return nil }
                guard c == UInt8(ascii: "\\") else { out.append(c); continue }
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if scalar >= 0xD800, scalar < 0xDC00 {
                        guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                i += 1
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }

        /// Skips any JSON value of a key the protocol does not use.
        mutating func skipValue(depth: Int) -> Bool {
            guard depth < 32, i < bytes.count else { return false }
            switch bytes[i] {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = bytes[i] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = bytes[i] == UInt8(ascii: "{")
                i += 1
                skipSpace()
                if take(close) { return true }
                while true {
                    skipSpace()
                    if isObject {
                        guard string() != nil else { return false }
                        skipSpace()
                        guard take(UInt8(ascii: ":")) else { return false }
                        skipSpace()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    skipSpace()
                    if take(UInt8(ascii: ",")) { continue }
                    return take(close)
                }
            case UInt8(ascii: "t"): return word("true")
            case UInt8(ascii: "f"): return word("false")
            case UInt8(ascii: "n"): return word("null")
            default:
                guard number() != nil else { return false }
                if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return false }
                return true
            }
        }

        mutating func word(_ w: StaticString) -> Bool {
            let n = w.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            for k in 0..<n where bytes[i + k] != w.utf8Start[k] { return false }
            i += n
            return true
        }
    }
}

extension ProtocolLine {
    /// The transactional step a versioned `purchase.read`/`purchase.write` line also is.
    package static func transactional(_ kind: EventKind) -> EventKind? {
        switch kind {
        case .purchaseRead: return .keyRead
        case .purchaseWrite: return .keyWrite
        default: return nil
        }
    }
}
