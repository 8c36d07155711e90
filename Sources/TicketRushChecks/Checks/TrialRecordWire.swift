import TicketRushModel

/// The compact binary form a `--jobs` worker sends its records in (WorkerPool's 'W'
/// frames): every field in a fixed order, little-endian, no keys. A split cell sends a
/// record per schedule, and JSONEncoder/JSONDecoder cost more than a warm schedule does
/// (perf: a quarter of `--jobs 2`'s samples). Both ends are the same binary, so the
/// format has no version; a change only has to keep `encode` and `decode` in step
/// (TrialRecordWireTests round-trips every field).
public enum TrialRecordWire {
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public static func encode(_ r: TrialRecord) -> [UInt8] {
        var w = WireWriter()
        w.bytes.reserveCapacity(512)
        w.record(r)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> TrialRecord {
        try bytes.withUnsafeBytes { raw in
            var r = WireReader(raw)
            let record = try r.record()
            guard r.at == raw.count else { throw Malformed(description: "\(raw.count - r.at) bytes after the record") }
            return record
        }
    }
}

/// Appends values: fixed-width little-endian numbers, length-prefixed UTF-8 strings,
/// a presence byte before an optional, a count before an array.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func double(_ v: Double) { u64(v.bitPattern) }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func optional<T>(_ v: T?, _ body: (inout WireWriter, T) -> Void) {
        guard let v else { return bool(false) }
        bool(true)
        body(&self, v)
    }

    mutating func array<T>(_ vs: [T], _ body: (inout WireWriter, T) -> Void) {
        u32(UInt32(vs.count))
        for v in vs { body(&self, v) }
    }

    mutating func strings(_ vs: [String]) { array(vs) { $0.string($1) } }
    mutating func u64s(_ vs: [UInt64]) { array(vs) { $0.u64($1) } }
    mutating func ints(_ vs: [Int]) { array(vs) { $0.int($1) } }

    mutating func event(_ e: Event) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: EventWire.size))
        bytes.withUnsafeMutableBytes { EventWire.encode(e, into: $0.baseAddress! + start) }
    }

    mutating func events(_ es: [Event]) { array(es) { $0.event($1) } }
}

/// Reads what `WireWriter` wrote, in the same order; throws on bytes cut short or a
/// value out of range (an unknown tag, a string that is not UTF-8).
struct WireReader {
    let raw: UnsafeRawBufferPointer
    var at = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    func malformed(_ what: String) -> TrialRecordWire.Malformed {
        TrialRecordWire.Malformed(description: "\(what) at byte \(at)")
    }

    private mutating func take(_ n: Int) throws -> Int {
        guard n >= 0, raw.count - at >= n else { throw malformed("cut short") }
        defer { at += n }
        return at
    }

    mutating func u8() throws -> UInt8 { raw[try take(1)] }
    mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw malformed("not a boolean")
        }
    }
    mutating func u16() throws -> UInt16 {
        UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: try take(2), as: UInt16.self))
    }
    mutating func i32() throws -> Int32 {
        Int32(littleEndian: raw.loadUnaligned(fromByteOffset: try take(4), as: Int32.self))
    }
    mutating func u32() throws -> UInt32 {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
    }
    mutating func u64() throws -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
    }
    mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
    mutating func double() throws -> Double { Double(bitPattern: try u64()) }

    mutating func string() throws -> String {
        let n = Int(try u32())
        let from = try take(n)
        guard let s = String(validating: raw[from..<(from + n)], as: UTF8.self) else { throw malformed("not UTF-8") }
        return s
    }

    mutating func optional<T>(_ body: (inout WireReader) throws -> T) throws -> T? {
        try bool() ? try body(&self) : nil
    }

    mutating func array<T>(_ body: (inout WireReader) throws -> T) throws -> [T] {
        let n = Int(try u32())
        // Every element takes at least a byte: a count larger than what is left is a lie.
        guard n <= raw.count - at else { throw malformed("a count of \(n)") }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try body(&self)) }
        return out
    }

    mutating func strings() throws -> [String] { try array { try $0.string() } }
    mutating func u64s() throws -> [UInt64] { try array { try $0.u64() } }
    mutating func ints() throws -> [Int] { try array { try $0.int() } }

    mutating func event() throws -> Event {
        let from = try take(EventWire.size)
        guard let e = EventWire.decode(raw.baseAddress! + from) else { throw malformed("an event of unknown kind") }
        return e
    }

    mutating func events() throws -> [Event] { try array { try $0.event() } }

    /// A `String`-backed enum by its raw value.
    mutating func raw<T: RawRepresentable>(_: T.Type) throws -> T where T.RawValue == String {
        let s = try string()
        guard let v = T(rawValue: s) else { throw malformed("unknown \(T.self) \"\(s)\"") }
        return v
    }
}

// The record and what it holds, field by field in declaration order.
extension WireWriter {
    mutating func record(_ r: TrialRecord) {
        string(r.scenario)
        int(r.trial)
        u64(r.seed)
        int(r.sold)
        storeRead(r.finalRead)
        int(r.tornReads)
        u64(r.durationNs)
        bool(r.timedOut)
        array(r.incomplete) { $0.incompleteness($1) }
        array(r.results) { $0.result($1) }
        u64s(r.latenciesNs)
        u64(r.lockWaitNs)
        u64(r.lockHoldNs)
        int(r.lockAcquisitions)
        optional(r.lockWaitsNs) { $0.u64s($1) }
        optional(r.censoredWaitsNs) { $0.u64s($1) }
        optional(r.retries) { $0.int($1) }
        // Sorted: the same record, the same bytes.
        optional(r.retryReasons) { w, reasons in
            w.array(reasons.sorted { $0.key < $1.key }) { $0.string($1.key); $0.int($1.value) }
        }
        optional(r.timeline) { $0.strings($1.buyers); $0.events($1.events) }
        optional(r.schedule) { $0.string($1) }
        optional(r.exploration) { $0.summary($1) }
        optional(r.engineMessages) { $0.strings($1) }
        optional(r.isolation) { w, row in
            for s in [row.engine, row.version, row.isolation, row.caseName, row.outcome, row.how] { w.string(s) }
        }
        optional(r.fullControl) { $0.string($1) }
    }

    mutating func storeRead(_ s: StoreRead) {
        switch s {
        case .count(let n): u8(0); int(n)
        case .torn(let bytes): u8(1); int(bytes)
        case .failed(let errno): u8(2); i32(errno)
        }
    }

    mutating func incompleteness(_ i: Incompleteness) {
        switch i {
        case .malformed(let n): u8(0); int(n)
        case .overflow(let limit): u8(1); int(limit)
        case .vanished(let buyers): u8(2); ints(buyers)
        case .unattributed(let n): u8(3); int(n)
        case .server(let why): u8(4); string(why)
        }
    }

    mutating func result(_ c: CheckResult) {
        string(c.invariant.rawValue)
        string(c.verdict.rawValue)
        evidence(c.evidence)
        array(c.blamed) { $0.int($1.buyer); $0.int($1.task) }
        string(c.summary)
        strings(c.details)
    }

    mutating func summary(_ s: ScheduleSummary) {
        string(s.strategy)
        int(s.runs)
        int(s.abandoned)
        optional(s.complete) { $0.bool($1) }
        int(s.violating)
        string(s.statement)
        optional(s.pctBound) { $0.double($1) }
        for text in [s.replay, s.replayCommand, s.shrunk] { optional(text) { $0.string($1) } }
        optional(s.story) { $0.strings($1) }
        optional(s.shrunkCommand) { $0.string($1) }
        optional(s.stoppedBy) { $0.string($1.rawValue) }
        optional(s.pctK) { $0.int($1) }
    }

    mutating func exit(_ e: BuyerExit) {
        switch e {
        case .exited(let code): u8(0); i32(code)
        case .signaled(let signal): u8(1); i32(signal)
        case .unknown: u8(2)
        }
    }
}

extension WireReader {
    mutating func record() throws -> TrialRecord {
        var r = TrialRecord(scenario: try string(), trial: try int(), seed: try u64(), sold: try int(), finalRead: try storeRead(),
                            tornReads: try int(), durationNs: try u64(), timedOut: try bool(),
                            incomplete: try array { try $0.incompleteness() }, results: try array { try $0.result() },
                            latenciesNs: try u64s(), lockWaitNs: try u64(), lockHoldNs: try u64(), lockAcquisitions: try int())
        r.lockWaitsNs = try optional { try $0.u64s() }
        r.censoredWaitsNs = try optional { try $0.u64s() }
        r.retries = try optional { try $0.int() }
        r.retryReasons = try optional { r in
            Dictionary(try r.array { (try $0.string(), try $0.int()) }, uniquingKeysWith: { a, _ in a })
        }
        r.timeline = try optional { TrialRecord.Timeline(buyers: try $0.strings(), events: try $0.events()) }
        r.schedule = try optional { try $0.string() }
        r.exploration = try optional { try $0.summary() }
        r.engineMessages = try optional { try $0.strings() }
        r.isolation = try optional {
            IsolationRow(engine: try $0.string(), version: try $0.string(), isolation: try $0.string(), caseName: try $0.string(),
                         outcome: try $0.string(), how: try $0.string())
        }
        r.fullControl = try optional { try $0.string() }
        return r
    }

    mutating func storeRead() throws -> StoreRead {
        switch try u8() {
        case 0: return .count(try int())
        case 1: return .torn(bytes: try int())
        case 2: return .failed(errno: try i32())
        default: throw malformed("unknown store read")
        }
    }

    mutating func incompleteness() throws -> Incompleteness {
        switch try u8() {
        case 0: return .malformed(records: try int())
        case 1: return .overflow(limit: try int())
        case 2: return .vanished(buyers: try ints())
        case 3: return .unattributed(lines: try int())
        case 4: return .server(unanswered: try string())
        default: throw malformed("unknown incompleteness")
        }
    }

    mutating func result() throws -> CheckResult {
        CheckResult(invariant: try raw(Invariant.self), verdict: try raw(Verdict.self), evidence: try evidence(),
                    blamed: try array { TaskRef(buyer: try $0.int(), task: try $0.int()) }, summary: try string(), details: try strings())
    }

    mutating func summary() throws -> ScheduleSummary {
        var s = ScheduleSummary(strategy: try string(), runs: try int(), abandoned: try int(), complete: try optional { try $0.bool() },
                                violating: try int(), statement: try string(), pctBound: try optional { try $0.double() },
                                replay: try optional { try $0.string() }, replayCommand: try optional { try $0.string() })
        s.shrunk = try optional { try $0.string() }
        s.story = try optional { try $0.strings() }
        s.shrunkCommand = try optional { try $0.string() }
        s.stoppedBy = try optional { try $0.raw(SearchStop.self) }
        s.pctK = try optional { try $0.int() }
        return s
    }

    mutating func exit() throws -> BuyerExit {
        switch try u8() {
        case 0: return .exited(code: try i32())
        case 1: return .signaled(signal: try i32())
        case 2: return .unknown
        default: throw malformed("unknown buyer exit")
        }
    }
}

extension TrialRecord {
    /// Every field but the optional ones, as the wire decoder reads them.
    init(scenario: String, trial: Int, seed: UInt64, sold: Int, finalRead: StoreRead, tornReads: Int, durationNs: UInt64,
         timedOut: Bool, incomplete: [Incompleteness], results: [CheckResult], latenciesNs: [UInt64], lockWaitNs: UInt64,
         lockHoldNs: UInt64, lockAcquisitions: Int) {
        self.scenario = scenario
        self.trial = trial
        self.seed = seed
        self.sold = sold
        self.finalRead = finalRead
        self.tornReads = tornReads
        self.durationNs = durationNs
        self.timedOut = timedOut
        self.incomplete = incomplete
        self.results = results
        self.latenciesNs = latenciesNs
        self.lockWaitNs = lockWaitNs
        self.lockHoldNs = lockHoldNs
        self.lockAcquisitions = lockAcquisitions
    }
}

extension CheckResult {
    /// As decoded: the summary and details as the worker rendered them.
    init(invariant: Invariant, verdict: Verdict, evidence: Evidence, blamed: [TaskRef], summary: String, details: [String]) {
        self.invariant = invariant
        self.verdict = verdict
        self.evidence = evidence
        self.blamed = blamed
        self.summary = summary
        self.details = details
    }
}
