#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel

/// A workload's JSON document: every key with its version tag, and the booking rows with
/// theirs, in one file: `{"keys": [[value, tag], …], "rows": [[holder, tag], …]}` (key i + 1
/// is the i-th pair; seats: the owner, buyer + 1, 0 free; limit: the count; rows: the buyer
/// + 1 who inserted it). Read whole and written whole, in place or atomically, like the
/// counter's document. Every buffer is made in `init`, before the barrier: a buyer
/// allocates nothing after it.
package final class WorkloadDocument {
    private let mode: WriteMode
    private let file: CPath
    private let tempPath: UnsafeMutablePointer<CChar>?
    private let buffer: UnsafeMutableRawBufferPointer
    /// values[2k], values[2k+1]: key k + 1's value and tag.
    package let values: UnsafeMutableBufferPointer<Int>
    /// rows[2r], rows[2r+1]: row r's holder and tag.
    package let rows: UnsafeMutableBufferPointer<Int>
    package let keyCount: Int
    package private(set) var rowCount = 0
    package var gate: Gate?

    /// Most rows a trial can insert: every task of every buyer.
    package init(file: CPath, mode: WriteMode, keys: Int, maxRows: Int, tag: Int) {
        self.mode = mode
        self.file = file
        keyCount = keys
        tempPath = mode == .atomic ? tr_tagged_path_buffer(file.pointer, ".tmp.") : nil
        // A pair is at most "[-9223372036854775808,-9223372036854775808]," (43 bytes).
        buffer = .allocate(byteCount: 64 + 44 * (keys + maxRows), alignment: 8)
        values = .allocate(capacity: 2 * max(keys, 1))
        rows = .allocate(capacity: 2 * max(maxRows, 1))
        values.initialize(repeating: 0)
        rows.initialize(repeating: 0)
        if let tempPath { tr_tag_path(tempPath, file.pointer, ".tmp.", tag) }
    }

    deinit {
        if let tempPath { free(tempPath) }
        buffer.deallocate()
        values.deallocate()
        rows.deallocate()
    }

    /// The runner's first document: every key at `initial` (tag 0), no rows.
    package static func create(path: String, workload: Workload) throws {
        let doc = WorkloadDocument(file: CPath(path), mode: .inPlace, keys: workload.keyCount, maxRows: 0, tag: 0)
        if workload.kind == .rows { doc.values[0] = 0 }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, code: errno) }
        defer { close(fd) }
        let code = DocumentFile.writeAll(fd, doc.format())
        if code != 0 { throw SystemError(call: "write", path: path, code: code) }
    }

    /// The state as the checkers read it (the runner, after reaping).
    package var state: WorkloadState {
        WorkloadState(values: (0..<keyCount).map { values[2 * $0] }, rows: (0..<rowCount).map { rows[2 * $0] })
    }

    package func value(key: Int) -> (value: Int, tag: Int) { (values[2 * (key - 1)], values[2 * (key - 1) + 1]) }
    package func set(key: Int, value: Int, tag: Int) {
        values[2 * (key - 1)] = value
        values[2 * (key - 1) + 1] = tag
    }
    package func row(_ r: Int) -> (holder: Int, tag: Int) { (rows[2 * r], rows[2 * r + 1]) }
    /// Appends a row; false when the buffer made for the trial is full.
    package func append(holder: Int, tag: Int) -> Bool {
        guard 2 * rowCount + 1 < rows.count else { return false }
        rows[2 * rowCount] = holder
        rows[2 * rowCount + 1] = tag
        rowCount += 1
        return true
    }

    /// Reads and parses the whole file.
    package func read() -> StoreRead {
        let fd = open(file.pointer, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failed(errno: errno) }
        defer { close(fd) }
        var total = 0
        while total < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + total, buffer.count - total)
            if n < 0 {
                if errno == EINTR { continue }
                return .failed(errno: errno)
            }
            if n == 0 { break }
            total += n
        }
        return parse(UnsafeRawBufferPointer(start: buffer.baseAddress, count: total)) ? .count(rowCount) : .torn(bytes: total)
    }

    /// Writes the whole document (`pause` between truncating and writing, in place).
    package func write(pause: () -> Void) -> Int32 {
        let bytes = format()
        return DocumentFile.write(bytes, path: file.pointer, tempPath: tempPath, mode: mode, gate: gate, pause: pause)
    }

    // MARK: text

    /// The document's text in `buffer`. A struct, not nested functions: a local function
    /// capturing a `var` boxes it on the heap (in a debug build), once per write.
    private func format() -> UnsafeRawBufferPointer {
        var w = Writer(out: buffer)
        w.put("{\"keys\": [")
        w.pairs(values, keyCount)
        w.put("], \"rows\": [")
        w.pairs(rows, rowCount)
        w.put("]}\n")
        return UnsafeRawBufferPointer(start: buffer.baseAddress, count: w.at)
    }

    private struct Writer {
        let out: UnsafeMutableRawBufferPointer
        var at = 0

        mutating func put(_ s: StaticString) {
            let p = s.utf8Start
            for i in 0..<s.utf8CodeUnitCount { out[at + i] = p[i] }
            at += s.utf8CodeUnitCount
        }

        mutating func put(_ n: Int) {
            if n < 0 { out[at] = 45; at += 1 }
            var m = n.magnitude
            var digits = 0
            var rev: UInt = 0
            repeat { rev = rev * 10 + m % 10; m /= 10; digits += 1 } while m > 0
            for _ in 0..<digits { out[at] = UInt8(48 + rev % 10); rev /= 10; at += 1 }
        }

        mutating func pairs(_ p: UnsafeMutableBufferPointer<Int>, _ count: Int) {
            for i in 0..<count {
                put(i == 0 ? "[" : ", [")
                put(p[2 * i])
                put(",")
                put(p[2 * i + 1])
                put("]")
            }
        }
    }

    /// Parses what `format` writes; false for anything else (a torn or foreign file).
    private func parse(_ text: UnsafeRawBufferPointer) -> Bool {
        var p = Parser(text: text)
        guard p.literal("{\"keys\": [") else { return false }
        for k in 0..<keyCount {
            guard (k == 0 || p.literal(", ")), let (a, b) = p.pair() else { return false }
            values[2 * k] = a
            values[2 * k + 1] = b
        }
        guard p.literal("], \"rows\": [") else { return false }
        rowCount = 0
        if p.literal("]}") { return p.rest() }
        while true {
            guard let (a, b) = p.pair(), append(holder: a, tag: b) else { return false }
            if p.literal("]}") { return p.rest() }
            guard p.literal(", ") else { return false }
        }
    }

    private struct Parser {
        let text: UnsafeRawBufferPointer
        var at = 0

        mutating func literal(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard at + n <= text.count else { return false }
            let p = s.utf8Start
            for i in 0..<n where text[at + i] != p[i] { return false }
            at += n
            return true
        }

        mutating func int() -> Int? {
            var negative = false
            if at < text.count, text[at] == 45 { negative = true; at += 1 }
            var n = 0
            let start = at
            while at < text.count, text[at] >= 48, text[at] <= 57, at - start < 18 {
                n = n * 10 + Int(text[at] - 48)
                at += 1
            }
            return at > start ? (negative ? -n : n) : nil
        }

        mutating func pair() -> (Int, Int)? {
            guard literal("["), let a = int(), literal(","), let b = int(), literal("]") else { return nil }
            return (a, b)
        }

        /// Only the final newline may follow.
        func rest() -> Bool { at == text.count || (at + 1 == text.count && text[at] == 10) }
    }
}
