#if canImport(Glibc)
import Glibc
#endif
/// One step one buyer reported, as it travels over the pipe and lands in the log.
public struct Event: Sendable, Codable, Equatable {
    /// CLOCK_MONOTONIC nanoseconds: comparable between the runner and every buyer.
    public var tNs: UInt64
    /// 0-based buyer index.
    public var buyer: Int
    /// 0-based task index within the buyer.
    public var task: Int
    public var kind: EventKind
    public var value: Int64
    public var aux: Int32
    /// Transactional events: which key (or collection) of the workload; 0 is the counter,
    /// so every event before keys existed reads as the counter's.
    public var key: UInt16

    public init(tNs: UInt64, buyer: Int, task: Int, kind: EventKind, value: Int64 = 0, aux: Int32 = 0, key: UInt16 = 0) {
        self.tNs = tNs
        self.buyer = buyer
        self.task = task
        self.kind = kind
        self.value = value
        self.aux = aux
        self.key = key
    }

    private enum CodingKeys: String, CodingKey { case tNs, buyer, task, kind, value, aux, key }

    // `key` is written only when set, and read as 0 when absent: logs from before keys read the same.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tNs = try c.decode(UInt64.self, forKey: .tNs)
        buyer = try c.decode(Int.self, forKey: .buyer)
        task = try c.decode(Int.self, forKey: .task)
        kind = try c.decode(EventKind.self, forKey: .kind)
        value = try c.decode(Int64.self, forKey: .value)
        aux = try c.decode(Int32.self, forKey: .aux)
        key = try c.decodeIfPresent(UInt16.self, forKey: .key) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tNs, forKey: .tNs)
        try c.encode(buyer, forKey: .buyer)
        try c.encode(task, forKey: .task)
        try c.encode(kind, forKey: .kind)
        try c.encode(value, forKey: .value)
        try c.encode(aux, forKey: .aux)
        if key != 0 { try c.encode(key, forKey: .key) }
    }

    /// The task this event belongs to.
    public var ref: TaskRef { TaskRef(buyer: buyer, task: task) }

    /// The error reason of an `error` event.
    public var reason: ErrorReason? { kind == .error ? ErrorReason(rawValue: aux) : nil }

    /// An `error` event's reason as every report shows it (docs/events.md): the reason, with
    /// the errno's text when the value is one (`exec failed: No such file or directory`,
    /// `i/o error: No space left on device`) and the status for `exit status 127`. The errno
    /// travels as the value; the text is rendered here, when a report is written.
    public var reasonText: String? {
        guard kind == .error else { return nil }
        guard let reason else { return "unknown reason \(aux)" }
        switch reason {
        case .execFailed, .io, .lock:
            guard value > 0, value < 4096 else { return reason.name }
            return "\(reason.name): \(String(cString: strerror(Int32(value))))"
        case .exitStatus:
            return "exit status \(value)"
        default:
            return reason.name
        }
    }
}

/// The 32-byte little-endian wire record (docs/events.md): small enough that one
/// write(2) to a pipe is atomic, so all buyers can share one pipe.
public enum EventWire {
    public static let size = 32

    /// Encodes one record in the runner before it forks: the Swift runtime instantiates the
    /// conformances the encoder uses lazily (with malloc), so done here once, every buyer
    /// inherits them and its first event allocates nothing.
    package static func prime() {
        withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buffer in
            encode(Event(tNs: 0, buyer: 0, task: 0, kind: .done, value: 0, aux: 0), into: buffer.baseAddress!)
        }
    }

    /// Encodes into `out` (at least 32 bytes).
    public static func encode(_ e: Event, into out: UnsafeMutableRawPointer) {
        out.storeBytes(of: e.tNs.littleEndian, toByteOffset: 0, as: UInt64.self)
        out.storeBytes(of: e.value.littleEndian, toByteOffset: 8, as: Int64.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: e.buyer).littleEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: e.task).littleEndian, toByteOffset: 20, as: UInt32.self)
        out.storeBytes(of: e.kind.rawValue.littleEndian, toByteOffset: 24, as: UInt16.self)
        out.storeBytes(of: e.key.littleEndian, toByteOffset: 26, as: UInt16.self)
        out.storeBytes(of: e.aux.littleEndian, toByteOffset: 28, as: Int32.self)
    }

    /// Decodes one record, or nil when its kind is unknown.
    public static func decode(_ raw: UnsafeRawPointer) -> Event? {
        let kindCode = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt16.self))
        guard let kind = EventKind(rawValue: kindCode) else { return nil }
        return Event(
            tNs: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            buyer: Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))),
            task: Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self))),
            kind: kind,
            value: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: Int64.self)),
            aux: Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 28, as: Int32.self)),
            key: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 26, as: UInt16.self))
        )
    }
}
