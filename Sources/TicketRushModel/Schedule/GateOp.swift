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

    public var name: String {
        switch self {
        case .read: return "read"
        case .truncate: return "truncate"
        case .write: return "write"
        case .publish: return "rename"
        case .acquire: return "acquire"
        case .release: return "release"
        }
    }

    /// The shared object the step touches.
    public enum Object: Sendable { case document, lock }

    public var object: Object { self == .acquire || self == .release ? .lock : .document }

    /// True when the step changes its object (only two reads commute).
    public var writes: Bool { self != .read }

    /// Two steps of different buyers commute unless they touch one object and one of them writes.
    public func dependent(_ other: GateOp) -> Bool {
        object == other.object && (writes || other.writes)
    }
}
