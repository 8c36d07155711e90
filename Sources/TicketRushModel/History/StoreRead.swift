/// What one read of the ticket document saw.
public enum StoreRead: Sendable, Codable, Equatable {
    /// A whole document with this ticket count.
    case count(Int)
    /// Bytes that do not parse as a document (empty, cut short, mixed): a torn read.
    case torn(bytes: Int)
    /// The read itself failed with this errno.
    case failed(errno: Int32)
}

