import TicketRushModel
import TicketRushEngines

/// What a forked buyer would otherwise allocate, made once per trial by the runner before
/// the fork loop: the event record, the document store (C paths, read and text buffers)
/// and, where it is the same for every buyer, the lock object. Fork gives each buyer its
/// own copy of all of it (copy on write), so a buyer allocates nothing at all: in a child
/// each malloc walked the runner's heap and faulted in a page for every chunk it touched
/// (benchmarks/README.md, "The buyer's path"). Never freed by a buyer (it `_exit`s).
package final class BuyerKit: @unchecked Sendable {
    package let record: UnsafeMutableRawPointer
    package let store: JSONFileStore
    /// nil for modes whose lock knows its buyer or converts a name in the child.
    package let lock: (any BuyerLock)?

    /// nil for a database engine's plan (each buyer connects on its own).
    package init?(plan: TrialPlan) {
        guard plan.engine == nil else { return nil }
        record = .allocate(byteCount: EventWire.size, alignment: 8)
        store = JSONFileStore(file: plan.storageFile, mode: plan.writeMode, tag: 0)
        switch plan.lockMode {
        case .none, .flock, .fcntl, .optimistic: lock = plan.lockMode.makeLock(plan.lockContext, buyer: 0)
        default: lock = nil
        }
    }

    deinit { record.deallocate() }
}
