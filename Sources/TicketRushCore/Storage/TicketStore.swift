/// What one read of the ticket document saw.
public enum StoreRead: Sendable, Equatable {
    /// A whole document with this ticket count.
    case count(Int)
    /// Bytes that do not parse as a document (empty, cut short, mixed): a torn read.
    case torn(bytes: Int)
    /// The read itself failed with this errno.
    case failed(errno: Int32)
}

/// The storage a buyer reads and writes. Runs in the child: POSIX calls, no Foundation.
protocol TicketStore: AnyObject {
    /// Reads the whole document once.
    func read() -> StoreRead
    /// The version of the document the last `read` parsed (0 when it had none).
    var version: Int { get }
    /// Writes `count` (and `version`, when not nil) back; `pause` runs between truncating
    /// and writing (in-place only). Returns 0 or an errno.
    func write(count: Int, version: Int?, pause: () -> Void) -> Int32
}

extension TicketStore {
    /// Writes an unversioned document, as every mode but optimistic does.
    func write(count: Int, pause: () -> Void) -> Int32 {
        write(count: count, version: nil, pause: pause)
    }
}
