import TicketRushModel
/// The storage a buyer reads and writes. Runs in the child: POSIX calls, no Foundation.
package protocol TicketStore: AnyObject {
    /// Reads the whole document once.
    func read() -> StoreRead
    /// The version of the document the last `read` parsed (0 when it had none).
    var version: Int { get }
    /// Writes `count` (and `version`, when not nil) back; `pause` runs between truncating
    /// and writing (in-place only). Returns 0 or an errno.
    func write(count: Int, version: Int?, pause: () -> Void) -> Int32
    /// Databases: the engine's code (`EngineCode`) of the last failure, nil for none or a file.
    var engineError: Int64? { get }
    /// The version tag every write installs until changed (docs/events.md: (buyer + 1) * 1024
    /// + n, distinct within the trial); 0 writes as before any tags (the runner's document).
    var installTag: Int { get set }
    /// True when `version` after a read is the tag of the write it saw, so the buyer can
    /// report its transactional history (key.read, key.write); false where the store cannot
    /// say (atomic single statements, Redis): the model invariants are then unknown.
    var tracksVersions: Bool { get }
}

extension TicketStore {
    package var engineError: Int64? { nil }
    package var tracksVersions: Bool { false }

    /// Writes an unversioned document, as every mode but optimistic does.
    package func write(count: Int, pause: () -> Void) -> Int32 {
        write(count: count, version: nil, pause: pause)
    }
}
