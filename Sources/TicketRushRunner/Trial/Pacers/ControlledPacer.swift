#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushChecks
import TicketRushSchedule

/// A controlled schedule (docs/schedules.md): every buyer parks before each visible step;
/// the launcher keeps the lock model and says who is parked on what; the strategy picks
/// one enabled buyer; it alone takes its step. No enabled buyer while some are parked is a
/// deadlock, judged at once.
struct ControlledPacer: Pacer {
    let scenario: Scenario
    let recordSteps: Bool
    let choose: (SchedulePoint) throws(ScheduleDivergence) -> Int?
    private(set) var choices: [Int] = []
    /// The enabled buyers before each grant.
    private(set) var enabled: [[Int]] = []
    private(set) var steps: [ControlledStep] = []
    private(set) var waitFor: String?
    private(set) var deadlocked = false
    /// The launcher's own look at a deadlock the gate's lock does not explain (`GatedLauncher.stuck`).
    private var waits: String?

    init(scenario: Scenario, recordSteps: Bool, choose: @escaping (SchedulePoint) throws(ScheduleDivergence) -> Int?) {
        self.scenario = scenario
        self.recordSteps = recordSteps
        self.choose = choose
    }

    var gated: Bool { true }

    mutating func pace(_ launcher: any Launcher, startNs: UInt64, deadline: UInt64) throws -> TrialEnd {
        guard let g = launcher as? any GatedLauncher else {
            return TrialEnd(stop: true, failure: RunnerError.schedule("these buyers cannot run under a controlled schedule"))
        }
        let names = (0..<scenario.buyers.count).map { scenario.buyers.name(of: $0) }
        var end = TrialEnd(stop: false)
        var settled = g.settleFirst(deadline: deadline)
        var last: Int?
        while settled {
            let decision = GrantDecision.next(ops: g.ops(), lock: g.lock, names: names, index: choices.count, last: last, choose: choose)
            guard case .grant(let b, let op, let enabled) = decision else {
                switch decision {
                case .finished(let stuck, let chain):
                    (deadlocked, waitFor) = (stuck, chain)
                    // Nothing parked, yet the buyers cannot end (a user-space lock's dead holder).
                    if !stuck, let why = g.stuck { (deadlocked, waitFor, waits) = (true, why, why) }
                case .abandoned: end.abandoned = true
                case .failed(let error): end.failure = error
                case .grant: break
                }
                break
            }
            choices.append(b)
            self.enabled.append(enabled)
            last = b
            let mark = g.mark
            g.grant(b)
            settled = g.settle(deadline: deadline)
            if recordSteps { steps.append(g.step(of: b, since: mark, op: op)) }
        }
        end.interrupted = tr_interrupted()
        if let violation = g.violation, end.failure == nil {
            end.failure = RunnerError.schedule(violation)
            settled = false
        }
        end.timedOut = !settled && end.interrupted == 0 && end.failure == nil
        g.deadlocked = deadlocked
        // A schedule cut short leaves buyers parked: they are killed, never waited for.
        end.stop = deadlocked || end.abandoned || !settled || end.failure != nil
        return end
    }

    func outcome(_ history: TrialHistory?) -> ControlledOutcome {
        var history = history
        history?.deadlocked = deadlocked
        history?.deadlockWaits = waits
        return ControlledOutcome(history: history, choices: choices, enabled: enabled, steps: steps, waitFor: history == nil ? nil : waitFor)
    }
}

/// What a controlled trial gives the schedule explorer.
package struct ControlledOutcome {
    /// nil when the strategy abandoned the schedule (already covered).
    package var history: TrialHistory?
    package var choices: [Int]
    /// The enabled buyers before each grant.
    package var enabled: [[Int]]
    package var steps: [ControlledStep]
    /// When no buyer was enabled: the wait-for chain ("路人2, 路人3 wait for 路人1, which died holding it").
    package var waitFor: String? = nil
}
