/// Everything a buyer needs, fixed by the runner before the first fork.
struct TrialPlan: Sendable {
    var wants: Int
    var lockMode: LockMode
    var scope: LockScope
    var writeMode: WriteMode
    /// Absolute path of the ticket document.
    var storagePath: String
    var lockContext: LockContext
    var delays: Delays
    var timeScale: Double
    var seed: UInt64
    /// Optimistic: how many times one task may start its purchase again.
    var retries: Int = 100
    /// Per buyer, the steps after which it stops itself for the runner's fault (first time each).
    var stops: [Int: [EventKind]] = [:]
    /// Test hook: counts the child's allocations after the barrier (see `AllocProbe`).
    var allocProbe: AllocProbe? = nil

    /// The delays a buyer draws; raw values feed the seed, so never renumber them.
    enum Slot: UInt64 {
        case start = 1, search = 2, write = 3, truncate = 4
    }

    /// Nanoseconds to wait at `slot` of `buyer`'s `task`.
    func delayNs(_ slot: Slot, buyer: Int, task: Int) -> Int64 {
        let delay: Delay
        switch slot {
        case .start: delay = delays.start
        case .search: delay = delays.search
        case .write: delay = delays.write
        case .truncate: delay = delays.truncate
        }
        return delay.draw(seed: seed, buyer: buyer, task: task, slot: slot.rawValue, scale: timeScale)
    }
}
