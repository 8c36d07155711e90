import TicketRushModel
/// The stored document, `{"count": N}` or, once optimistic buyers have written it,
/// `{"count": N, "version": V}`: a strict parser and its printer.
///
/// Strict on purpose: a reader that sees a truncated or half-written file must fail
/// to parse it, so that torn reads are counted rather than papered over.
///
/// The child uses the raw-buffer forms (`format(count:version:into:)`,
/// `parseVersioned(raw:)`): they allocate nothing, so a buyer's read and write inside the
/// race window cost no malloc.
public enum CountDocument {
    /// Bytes the longest document needs (65: two 20-character integers and the frame), rounded up.
    public static let maxLength = 80

    /// The document text for `count`, as a buyer writes it.
    public static func text(count: Int) -> String {
        text(count: count, version: nil)
    }

    /// The versioned document text; a nil version gives the plain `{"count": N}`.
    public static func text(count: Int, version: Int?) -> String {
        withUnsafeTemporaryAllocation(byteCount: maxLength, alignment: 1) { out in
            let n = format(count: count, version: version, into: out)
            return String(decoding: UnsafeRawBufferPointer(start: out.baseAddress, count: n), as: UTF8.self)
        }
    }

    /// Prints the document into `out` (at least `maxLength` bytes); returns its length.
    /// No allocation: what a buyer calls between the barrier and `_exit`.
    public static func format(count: Int, version: Int?, into out: UnsafeMutableRawBufferPointer) -> Int {
        var printer = Printer(out: out)
        printer.put("{\"count\": ")
        printer.put(count)
        if let version {
            printer.put(", \"version\": ")
            printer.put(version)
        }
        printer.put("}\n")
        return printer.n
    }

    /// Appends to a fixed buffer (no closures: nothing is captured, nothing boxed).
    private struct Printer {
        package let out: UnsafeMutableRawBufferPointer
        package var n = 0

        package mutating func put(_ s: StaticString) {
            let p = s.utf8Start
            for k in 0..<s.utf8CodeUnitCount { out[n] = p[k]; n += 1 }
        }

        package mutating func put(_ v: Int) {
            var magnitude = v.magnitude
            if v < 0 { out[n] = UInt8(ascii: "-"); n += 1 }
            let start = n
            repeat {
                out[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                n += 1
                magnitude /= 10
            } while magnitude > 0
            var (i, j) = (start, n - 1)
            while i < j { out.swapAt(i, j); i += 1; j -= 1 }
        }
    }

    /// Parses `{"count": N}` (any JSON whitespace, other integer fields allowed), or nil.
    public static func parse<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        parseVersioned(bytes)?.count
    }

    /// Parses the count and the version; a document without `version` (as written before
    /// any optimistic buyer, or by other modes) is version 0.
    public static func parseVersioned<C: Collection>(_ bytes: C) -> (count: Int, version: Int)? where C.Element == UInt8 {
        if let parsed = bytes.withContiguousStorageIfAvailable({ parseVersioned(raw: UnsafeRawBufferPointer($0)) }) {
            return parsed
        }
        return Array(bytes).withUnsafeBytes { parseVersioned(raw: $0) }
    }

    /// Parses in place, without copying or allocating (the child's form).
    public static func parseVersioned(raw: UnsafeRawBufferPointer) -> (count: Int, version: Int)? {
        var parser = Parser(bytes: raw)
        return parser.document()
    }

    private struct Parser {
        package let bytes: UnsafeRawBufferPointer
        package var i = 0

        package init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        /// Which key was read: the two the document knows, or another (ignored).
        package enum Key { case count, version, other }

        package mutating func document() -> (count: Int, version: Int)? {
            skipSpace()
            guard eat(UInt8(ascii: "{")) else { return nil }
            var count: Int?
            var version: Int?
            skipSpace()
            if eat(UInt8(ascii: "}")) { return nil }
            while true {
                skipSpace()
                guard let key = key() else { return nil }
                skipSpace()
                guard eat(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = integer() else { return nil }
                switch key {
                case .count:
                    if count != nil { return nil }
                    count = value
                case .version:
                    if version != nil || value < 0 { return nil }
                    version = value
                case .other:
                    break
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
            while i < bytes.count {
                let b = bytes[i]
                guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
                i += 1
            }
        }

        package mutating func eat(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        /// A plain key without escapes: all the document ever holds.
        package mutating func key() -> Key? {
            guard eat(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\") || bytes[i] < 0x20 { return nil }
                i += 1
            }
            guard i < bytes.count else { return nil }
            let key: Key = matches("count", from: start) ? .count : matches("version", from: start) ? .version : .other
            i += 1
            return key
        }

        /// True when bytes[start..<i] spell `word`.
        package func matches(_ word: StaticString, from start: Int) -> Bool {
            guard i - start == word.utf8CodeUnitCount else { return false }
            let w = word.utf8Start
            for k in 0..<word.utf8CodeUnitCount where bytes[start + k] != w[k] { return false }
            return true
        }

        package mutating func integer() -> Int? {
            var negative = false
            if eat(UInt8(ascii: "-")) { negative = true }
            let start = i
            var value = 0
            // Accumulated toward its sign, so Int.min (whose magnitude exceeds Int.max) parses.
            let sign = negative ? -1 : 1
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(sign * Int(bytes[i] - 0x30))
                if o1 || o2 { return nil }
                value = a
                i += 1
            }
            guard i > start else { return nil }
            // JSON forbids leading zeros ("007").
            if i - start > 1, bytes[start] == 0x30 { return nil }
            return value
        }
    }
}
