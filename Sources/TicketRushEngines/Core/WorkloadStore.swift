import TicketRushModel

/// How one call of a workload store went.
package enum WorkloadStatus: Equatable {
    case ok
    /// The engine rolled the transaction back (busy, serialization failure, deadlock): the task starts again.
    case retry(RetryReason)
    /// The engine failed the call with this code (`EngineCode`), or a file call with this errno.
    case failed(code: Int64)
    /// The file did not parse (JSON only): a torn read of this many bytes.
    case torn(bytes: Int)
}

/// What a workload buyer reads and writes (docs/workloads.md): the JSON document, or a SQL
/// database's tables. One task is begin, reads, at most one write or insert, commit.
package protocol WorkloadStore: AnyObject {
    /// Begins the task's transaction where the lock mode has one (nothing for a file or autocommit).
    func begin() -> WorkloadStatus
    /// Key `key`'s value and version tag.
    func read(key: Int) -> (WorkloadStatus, value: Int, tag: Int)
    /// The booking rows' count (`count(*)`, a scan of the document).
    func countRows() -> (WorkloadStatus, count: Int)
    /// The tag of row `index` (0-based, in insertion order) of what `countRows` counted.
    func rowTag(_ index: Int) -> (WorkloadStatus, tag: Int)
    /// Writes `value` with `tag` to `key` (`pause` between a file's truncate and write).
    func write(key: Int, value: Int, tag: Int, pause: () -> Void) -> WorkloadStatus
    /// Inserts a booking row held by `holder` with `tag`.
    func insert(holder: Int, tag: Int, pause: () -> Void) -> WorkloadStatus
    /// Commits what `begin` began.
    func commit() -> WorkloadStatus
    /// Ends a transaction without committing (after a retry, a sold-out or a failure).
    func rollback()
    /// `atomic`: the purchase as one conditional statement; `applied` false when the
    /// condition failed (the seat taken, the customer at the limit, the rows at capacity).
    func conditional(_ purchase: ConditionalPurchase, tag: Int) -> (WorkloadStatus, applied: Bool)
}

/// One purchase as an `atomic` store runs it in a single statement.
package enum ConditionalPurchase {
    /// Take seat `key` for `owner` if it is free.
    case seat(key: Int, owner: Int)
    /// Add one to `key` if `customer`'s counts over all sections are below `limit`.
    case limit(key: Int, customer: Int, limit: Int)
    /// Insert a row held by `holder` if fewer than `capacity` exist.
    case row(holder: Int, capacity: Int)
}

/// An engine without workload statements (the loader refuses it first): every call fails.
package final class UnsupportedWorkloadStore: WorkloadStore {
    package init() {}
    private let no = WorkloadStatus.failed(code: EngineCode.sqlstate("0A000"))
    package func begin() -> WorkloadStatus { no }
    package func read(key: Int) -> (WorkloadStatus, value: Int, tag: Int) { (no, 0, 0) }
    package func countRows() -> (WorkloadStatus, count: Int) { (no, 0) }
    package func rowTag(_ index: Int) -> (WorkloadStatus, tag: Int) { (no, 0) }
    package func write(key: Int, value: Int, tag: Int, pause: () -> Void) -> WorkloadStatus { no }
    package func insert(holder: Int, tag: Int, pause: () -> Void) -> WorkloadStatus { no }
    package func commit() -> WorkloadStatus { no }
    package func rollback() {}
    package func conditional(_ purchase: ConditionalPurchase, tag: Int) -> (WorkloadStatus, applied: Bool) { (no, false) }
}
