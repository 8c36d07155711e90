/// The visible steps a controlled buyer stops before: the `value` of a `gate` event.
/// Codes are part of the wire and the schedule fingerprint: never renumber one.
public enum GateOp: Int64, Sendable, Codable, CaseIterable {
    /// Read the document (search, purchase, optimistic's re-read).
    case read = 1
    /// In-place write: open(O_TRUNC); the file is empty from here to `write`.
    case truncate = 2
    /// In-place write: the bytes after the truncate.
    case write = 3
    /// Atomic write: rename the private temporary file over the document.
    case publish = 4
    /// Take the lock (a try-lock under control).
    case acquire = 5
    /// Give the lock up.
    case release = 6
    /// A protocol program's next step (docs/programs.md): whatever its code does from the
    /// grant to its next report. The runner cannot see it, so it conflicts with every step.
    case program = 7
    /// A protocol program's step after it reported `lock.wait`: it takes the lock (enabled
    /// only while the lock is free), then runs on to its next report like `program`.
    case programAcquire = 8

    public var name: String {
        switch self {
        case .read: return "read"
        case .truncate: return "truncate"
        case .write: return "write"
        case .publish: return "rename"
        case .acquire: return "acquire"
        case .release: return "release"
        case .program: return "its next step"
        case .programAcquire: return "acquire"
        }
    }

    /// The shared object the step touches.
    public enum Object: Sendable { case document, lock }

    /// (A program's step may touch both; `dependent` knows.)
    public var object: Object { self == .acquire || self == .release || self == .programAcquire ? .lock : .document }

    /// True when the step changes its object (only two reads commute).
    public var writes: Bool { self != .read }

    /// True for the steps that take the lock: enabled only while nobody holds it.
    public var takesLock: Bool { self == .acquire || self == .programAcquire }

    /// True for a protocol program's steps, which the runner cannot see into.
    public var isProgram: Bool { self == .program || self == .programAcquire }

    /// Two steps of different buyers commute unless they touch one object and one of them
    /// writes. A program's step may read or write the document, take or give up the lock,
    /// or anything else between two reports: it commutes with nothing, so no reduction
    /// (sleep sets) ever skips an order that could matter.
    public func dependent(_ other: GateOp) -> Bool {
        if isProgram || other.isProgram { return true }
        return object == other.object && (writes || other.writes)
    }
}
