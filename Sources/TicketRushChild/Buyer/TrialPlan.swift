import TicketRushModel
import TicketRushEngines
/// Everything a buyer needs, fixed by the runner before the first fork.
package struct TrialPlan: Sendable {
    package var wants: Int
    package var lockMode: LockMode
    package var scope: LockScope
    package var writeMode: WriteMode
    /// Absolute path of the ticket document.
    package let storagePath: String
    /// The same, converted once before the fork.
    package let storageFile: CPath
    package var lockContext: LockContext
    package var delays: Delays
    package var timeScale: Double
    package var seed: UInt64
    /// Optimistic: how many times one task may start its purchase again.
    package var retries: Int = LockConfig.defaultRetries
    /// Per buyer, the steps after which it stops itself for the runner's fault (first time each).
    package var stops: [Int: [EventKind]] = [:]
    /// Under a controlled schedule no delay is slept: the schedule replaces them.
    package var controlled = false
    /// Test hook: counts the child's allocations after the barrier (see `AllocProbe`).
    package var allocProbe: AllocProbe? = nil
    /// A database engine's connection target; nil for the JSON file.
    package var engine: EngineTarget? = nil
    /// `workload:` (nil: the counter); its buyers run `WorkloadBuyer`.
    package var workload: Workload? = nil
    /// Workloads: the buyers in the trial (the JSON document's row buffer is sized by it).
    package var buyerCount = 0

    package init(wants: Int, lockMode: LockMode, scope: LockScope, writeMode: WriteMode, storagePath: String,
                 lockContext: LockContext, delays: Delays, timeScale: Double, seed: UInt64, retries: Int = LockConfig.defaultRetries,
                 stops: [Int: [EventKind]] = [:], allocProbe: AllocProbe? = nil) {
        self.wants = wants
        self.lockMode = lockMode
        self.scope = scope
        self.writeMode = writeMode
        self.storagePath = storagePath
        self.storageFile = CPath(storagePath)
        self.lockContext = lockContext
        self.delays = delays
        self.timeScale = timeScale
        self.seed = seed
        self.retries = retries
        self.stops = stops
        self.allocProbe = allocProbe
    }

    /// The delays a buyer draws; raw values feed the seed, so never renumber them.
    package enum Slot: UInt64 {
        case start = 1, search = 2, write = 3, truncate = 4
    }

    /// Nanoseconds to wait at `slot` of `buyer`'s `task`.
    package func delayNs(_ slot: Slot, buyer: Int, task: Int) -> Int64 {
        if controlled { return 0 }
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
