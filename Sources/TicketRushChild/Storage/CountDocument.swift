import TicketRushModel
/// The stored document, `{"count": N}` or, once optimistic buyers have written it,
/// `{"count": N, "version": V}`: a strict parser and its printer.
///
/// Strict on purpose: a reader that sees a truncated or half-written file must fail
/// to parse it, so that torn reads are counted rather than papered over.
public enum CountDocument {
    /// The document text for `count`, as a buyer writes it.
    public static func text(count: Int) -> String {
        "{\"count\": \(count)}\n"
    }

    /// The versioned document text; a nil version gives the plain `{"count": N}`.
    public static func text(count: Int, version: Int?) -> String {
        guard let version else { return text(count: count) }
        return "{\"count\": \(count), \"version\": \(version)}\n"
    }

    /// Parses `{"count": N}` (any JSON whitespace, other integer fields allowed), or nil.
    public static func parse<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        parseVersioned(bytes)?.count
    }

    /// Parses the count and the version; a document without `version` (as written before
    /// any optimistic buyer, or by other modes) is version 0.
    public static func parseVersioned<C: Collection>(_ bytes: C) -> (count: Int, version: Int)? where C.Element == UInt8 {
        var parser = Parser(bytes: Array(bytes))
        return parser.document()
    }

    private struct Parser {
        package let bytes: [UInt8]
        package var i = 0

        package init(bytes: [UInt8]) { self.bytes = bytes }

        package mutating func document() -> (count: Int, version: Int)? {
            skipSpace()
            guard eat(UInt8(ascii: "{")) else { return nil }
            var count: Int?
            var version: Int?
            skipSpace()
            if eat(UInt8(ascii: "}")) { return nil }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard eat(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = integer() else { return nil }
                if key == "count" {
                    if count != nil { return nil }
                    count = value
                } else if key == "version" {
                    if version != nil || value < 0 { return nil }
                    version = value
                }
                skipSpace()
                if eat(UInt8(ascii: ",")) { continue }
                guard eat(UInt8(ascii: "}")) else { return nil }
                break
            }
            skipSpace()
            guard i == bytes.count, let count else { return nil }
            return (count, version ?? 0)
        }

        package mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        package mutating func eat(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        /// A plain key without escapes: all the document ever holds.
        package mutating func string() -> String? {
            guard eat(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\") || bytes[i] < 0x20 { return nil }
                i += 1
            }
            guard i < bytes.count else { return nil }
            let key = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            return key
        }

        package mutating func integer() -> Int? {
            var negative = false
            if eat(UInt8(ascii: "-")) { negative = true }
            let start = i
            var value = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - 0x30))
                if o1 || o2 { return nil }
                value = a
                i += 1
            }
            guard i > start else { return nil }
            // JSON forbids leading zeros ("007").
            if i - start > 1, bytes[start] == 0x30 { return nil }
            return negative ? -value : value
        }
    }
}
