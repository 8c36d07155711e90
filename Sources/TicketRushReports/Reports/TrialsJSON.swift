import TicketRushModel
import TicketRushChecks

/// trials.json's `trials` array written by hand, byte for byte what JSONEncoder with
/// `.sortedKeys` writes for `[TrialRecord]` (TrialsJSONTests compares the two): a split
/// cell has a record per schedule, and JSONEncoder's tree of them was the largest part of
/// the reports the runner writes after the last round. Keys are in UTF-8 order, nil is left
/// out, an enum case is `{"case":{labels…}}` (`_0` unlabelled), as Swift's synthesized coding.
package struct TrialsJSON {
    package var bytes: [UInt8] = []
    /// Per open object or array: nothing written in it yet.
    var first: [Bool] = []

    package init() {}

    /// Nil when a record holds what JSONEncoder refuses (a non-finite pct bound).
    package static func array(_ records: [TrialRecord]) -> [UInt8]? {
        var w = TrialsJSON()
        w.bytes.reserveCapacity(records.count * 1_200)
        w.list(records) { $0.record($1) }
        return w.failed ? nil : w.bytes
    }

    var failed = false

    // MARK: the JSON pieces

    mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func separate() {
        if let last = first.indices.last {
            if first[last] { first[last] = false } else { bytes.append(UInt8(ascii: ",")) }
        }
    }

    mutating func key(_ k: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        raw(k)
        raw("\":")
    }

    mutating func object(_ body: (inout TrialsJSON) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        first.append(true)
        body(&self)
        first.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    /// `{"name":{…}}`: an enum case with its associated values.
    mutating func enumCase(_ name: StaticString, _ body: (inout TrialsJSON) -> Void = { _ in }) {
        object { $0.key(name); $0.object(body) }
    }

    mutating func list<T>(_ items: [T], _ each: (inout TrialsJSON, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        first.append(true)
        for item in items {
            separate()
            each(&self, item)
        }
        first.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func int<T: BinaryInteger>(_ v: T) { bytes.append(contentsOf: String(v).utf8) }

    mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }

    mutating func double(_ v: Double) {
        guard v.isFinite else { failed = true; return raw("null") }
        var text = v.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// As JSONEncoder escapes: quote, backslash, slash, the control characters; UTF-8 as is.
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var mark = 0
            for (i, c) in utf8.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C || c == 0x2F {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<i]))
                mark = i + 1
                switch c {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x2F: raw("\\/")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    raw("\\u00")
                    bytes.append(hex[Int(c >> 4)])
                    bytes.append(hex[Int(c & 15)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func strings(_ vs: [String]) { list(vs) { $0.string($1) } }
    mutating func ints<T: BinaryInteger>(_ vs: [T]) { list(vs) { $0.int($1) } }

    mutating func optional<T>(_ k: StaticString, _ v: T?, _ body: (inout TrialsJSON, T) -> Void) {
        guard let v else { return }
        key(k)
        body(&self, v)
    }
}
