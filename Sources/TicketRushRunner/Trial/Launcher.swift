#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChecks
import TicketRushSchedule

/// How a trial's buyer processes come to exist and what they say (docs/architecture.md,
/// "A trial"). One class per way (Launchers/), chosen in `TrialSession.launcher`.
/// The session calls these in order: open → launch → start → (the pacer) → teardown → reap → history.
protocol Launcher: AnyObject {
    /// Pipes and everything the buyers need, made before the first fork. `gated`: each buyer
    /// starts on its own gate (a controlled pacer), not at the barrier.
    func open(gated: Bool) throws
    /// Creates every buyer's process in one process group and returns the group. On failure
    /// everything started is killed and reaped and every pipe closed before this throws.
    func launch() throws -> pid_t
    /// Every buyer exists: the runner's copies of the children's ends closed and, under
    /// timing, the barrier opened. Returns the trial's start time.
    func start() -> UInt64

    /// Every output pipe is at EOF (and, for programs, every process reaped).
    var finished: Bool { get }
    /// More events than an honest trial makes: the buyers are stopped.
    var overflowed: Bool { get }
    /// Reads what arrives within `timeoutMs`.
    func poll(timeoutMs: Int32, deadline: UInt64)
    /// Faults due and exits seen; when the pacer must look again for them (nil: no need).
    func tend(now: UInt64)
    func nextWake(now: UInt64) -> UInt64?
    /// The longest a timing pacer's poll may wait (exits do not wake poll).
    var pollCapMs: Int32 { get }

    /// Stops every process after a timeout, interrupt or overflow, draining while it does.
    func teardown()
    /// A controlled schedule cut short: every process killed at once.
    func cutShort()
    /// Waits for every process; nothing outlives the trial.
    func reap()
    /// The history to judge. `timedOut`: the trial's open tasks closed as timeouts.
    func history(timedOut: Bool, startNs: UInt64, endNs: UInt64) -> TrialHistory
}

/// A launcher whose buyers park before each visible step, for a controlled pacer: it keeps
/// the lock model from what the buyers report, grants one step, reads until it is over.
protocol GatedLauncher: Launcher {
    /// Each buyer's op if it is parked, nil if it runs, finished or died.
    func ops() -> [GateOp?]
    var lock: LockModel { get }
    /// Lets buyer `b` take its step.
    func grant(_ b: Int)
    /// Reads until no buyer is between gates; false at the timeout or an interrupt.
    func settle(deadline: UInt64) -> Bool
    /// Where the events of the next step begin, and the step of buyer `b` since `mark`.
    var mark: (Int, Int) { get }
    func step(of b: Int, since mark: (Int, Int), op: GateOp) -> ControlledStep
    /// Reads until every buyer parked at its first gate, in an order no replay can change.
    func settleFirst(deadline: UInt64) -> Bool
    /// Set by the pacer: no buyer was enabled while some were parked (open tasks close as timeouts).
    var deadlocked: Bool { get set }
    /// Why the buyers cannot be controlled (one wrote without being granted a step); `settle`
    /// returns false once it is set.
    var violation: String? { get }
    /// With nothing parked and the buyers not all ended: why none can ever move again (a
    /// deadlock the lock model cannot see), or nil.
    var stuck: String? { get }
}

extension GatedLauncher {
    var violation: String? { nil }
    var stuck: String? { nil }
}

/// Who moves when (docs/architecture.md, "A trial"): one struct per way (Pacers/).
protocol Pacer {
    associatedtype Outcome
    /// Buyers start on gates (true) or at the barrier.
    var gated: Bool { get }
    /// Runs the trial from its start to where the buyers must be stopped (or finished);
    /// returns whether the session must tear them down.
    mutating func pace(_ launcher: any Launcher, startNs: UInt64, deadline: UInt64) throws -> TrialEnd
    /// The outcome from the history (nil when the schedule was abandoned).
    func outcome(_ history: TrialHistory?) -> Outcome
}

/// How a trial's pacing ended.
struct TrialEnd {
    /// The buyers must be stopped (timing: teardown; controlled: killed at once).
    var stop: Bool
    var timedOut = false
    var interrupted: Int32 = 0
    /// No history: the controlled strategy abandoned the schedule.
    var abandoned = false
    var failure: (any Error)? = nil
}

/// One granted step of a controlled schedule, for the story: who, what, what it reported,
/// the document after.
package struct ControlledStep: Sendable {
    package var buyer: Int
    package var op: GateOp
    package var events: [Event]
    package var document: String?
    /// Under `control: syscalls`: the system call granted, with what it read or wrote and
    /// the sleeps before it ("slept 2×, read db.json → 1"); nil for reported steps.
    package var call: String? = nil
}
