#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines
import TicketRushChecks
import TicketRushProcess
import TicketRushSchedule

/// One trial's life, the same for every kind of buyer and every pacing (docs/architecture.md,
/// "A trial"): the store made fresh → pipes opened → every buyer launched → the barrier
/// opened → events collected and faults applied (the pacer) → teardown → every process
/// reaped → the history built. What differs is plugged in: a `Launcher` (how buyer processes
/// come to exist, Launchers/) and a `Pacer` (who moves when, Pacers/).
package struct TrialSession {
    package let scenario: Scenario
    package let trial: Int
    package let seed: UInt64
    package let folder: String
    /// postgres, redis: the server (private or given) this trial's table or key lives on.
    package var endpoint: EngineEndpoint? = nil
    /// A controlled cell's warm buyers (BuiltInLauncher+Warm.swift): they and their store
    /// outlive this trial.
    var warm: WarmBuyers? = nil

    /// Called with each trial's process group once its buyers exist, and with 0 once they
    /// are reaped (a `--jobs` worker tells the pool, which kills the group if the worker dies).
    nonisolated(unsafe) static var groupObserver: ((pid_t) -> Void)?
    /// The run's private servers by engine (UnitExecutor sets them once, before the first
    /// trial): every session finds its server here, the controlled explorer's and shrinker's too.
    nonisolated(unsafe) package static var privateEndpoints: [StorageKind: EngineEndpoint] = [:]

    /// `endpoint` nil: the scenario's `storage.url`, else the run's private server of its kind.
    package init(scenario: Scenario, trial: Int, seed: UInt64, folder: String, endpoint: EngineEndpoint? = nil) {
        self.scenario = scenario
        self.trial = trial
        self.seed = seed
        self.folder = folder
        let kind = scenario.storage.kind
        self.endpoint = endpoint ?? (kind.isServer ? scenario.storage.url.map { EngineEndpoint(url: $0, kind: kind) } ?? Self.privateEndpoints[kind] : nil)
    }

    /// A trial under timing: every buyer runs at once until done, the timeout or a fault.
    package func run() throws -> TrialHistory {
        var pacer = TimingPacer()
        guard let history = try run(&pacer) else { throw RunnerError.forkerFailed("a timing trial ended without a history") }
        return history
    }

    /// A trial under a controlled schedule, asking `choose` before every grant.
    package func run(recordSteps: Bool = false,
                     _ choose: (SchedulePoint) throws(ScheduleDivergence) -> Int?) throws -> ControlledOutcome {
        // The pacer holds the strategy only for this trial.
        try withoutActuallyEscaping(choose) { choose in
            var pacer = ControlledPacer(scenario: scenario, recordSteps: recordSteps, choose: choose)
            do {
                return try run(&pacer)
            } catch let escape as SyscallFullControl {
                // The same schedule again with every descriptor call held: the steps up to the
                // escape were the same, so its grants are replayed, then the strategy goes on.
                let made = pacer.choices
                // The escape put the cell in SyscallLauncher.fullFilterCells: this run holds them all.
                var again = ControlledPacer(scenario: scenario, recordSteps: recordSteps) { point throws(ScheduleDivergence) in
                    guard point.index < made.count else { return try choose(point) }
                    guard point.enabled.contains(made[point.index]) else {
                        throw ScheduleDivergence("under the full filter, at grant \(point.index + 1) the enabled buyers differ from the run that escaped (uncontrolled nondeterminism)",
                                                 uncontrolled: true)
                    }
                    return made[point.index]
                }
                var outcome = try run(&again)
                outcome.history?.fullControl = escape.why
                return outcome
            }
        }
    }

    /// The launcher for this scenario's buyers: the one registration of every launcher.
    func launcher(store: TrialStore, warm: WarmBuyers?) -> any Launcher {
        guard let program = scenario.program else {
            let launcher = BuiltInLauncher(self, store: store)
            launcher.warm = warm
            return launcher
        }
        if program.control == .syscalls, scenario.schedule.isControlled { return SyscallLauncher(self, program: program, store: store) }
        switch program.mode {
        case .perBuyer: return CommandLauncher(self, program: program, store: store)
        case .whole: return WholeProgramLauncher(self, program: program, store: store)
        }
    }

    func run<P: Pacer>(_ pacer: inout P) throws -> P.Outcome {
        let warm = pacer.gated && scenario.program == nil ? self.warm : nil
        let store = try warm?.store(trial: trial)
            ?? TrialStore(scenario, trial: trial, folder: folder, endpoint: endpoint, builtIn: scenario.program == nil, database: !pacer.gated)
        defer { if warm == nil { store.cleanUp() } }
        let launcher = launcher(store: store, warm: warm)
        // A write to the gate of a buyer that died must be an error, not the end of the runner.
        let previousPipeHandler = pacer.gated ? signal(SIGPIPE, SIG_IGN) : nil
        defer { if pacer.gated { signal(SIGPIPE, previousPipeHandler) } }
        try ThreadCheck.requireSingleThreaded()
        try launcher.open(gated: pacer.gated)
        PageDrop.beforeForking()
        EventWire.prime()
        let group = try launcher.launch()
        Self.groupObserver?(group)
        defer { Self.groupObserver?(0) }
        let startNs = launcher.start()
        let end = try pacer.pace(launcher, startNs: startNs, deadline: startNs + UInt64(scenario.timeoutNs))
        if end.stop { pacer.gated ? launcher.cutShort() : launcher.teardown() }
        launcher.reap()
        let endNs = MonotonicClock.now()
        if let why = (launcher as? SyscallLauncher)?.fullControl { throw SyscallFullControl(why: why) }
        if let failure = end.failure { throw failure }
        if end.interrupted != 0 { throw RunnerError.interrupted(signal: end.interrupted) }
        if end.abandoned { return pacer.outcome(nil) }
        let history = launcher.history(timedOut: end.timedOut, startNs: startNs, endNs: endNs)
        // An interrupt that ended the final read leaves nothing to judge: the run stops (130).
        if store.serverInterrupted { throw RunnerError.interrupted(signal: tr_interrupted()) }
        return pacer.outcome(history)
    }
}
