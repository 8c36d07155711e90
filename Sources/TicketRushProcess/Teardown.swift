#if canImport(Glibc)
import Glibc
#endif

/// How to stop processes, as a value: signals, each sent a grace period after the
/// teardown began. Every signal is followed by SIGCONT so a stopped process wakes to
/// receive it. One routine (`Teardown.Execution`) carries out every sequence: a trial's
/// timeout, interrupt or overflow, a failed fork, the reaper's last resort, and the
/// `--jobs` pool stopping its workers.
public struct Teardown: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var signal: Int32
        /// Nanoseconds after the teardown began.
        public var afterNs: UInt64

        public init(_ signal: Int32, afterNs: UInt64) {
            self.signal = signal
            self.afterNs = afterNs
        }
    }

    public var steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// A trial's buyers: SIGTERM, then SIGKILL 200 ms later.
    public static let trial = Teardown([Step(SIGTERM, afterNs: 0), Step(SIGKILL, afterNs: 200_000_000)])
    /// Children the runner has stopped waiting for: SIGKILL after a second's grace.
    public static let reap = Teardown([Step(SIGKILL, afterNs: 1_000_000_000)])
    /// `--jobs` workers: SIGTERM (each tears down its own trial), SIGKILL 3 s later.
    public static let workers = Teardown([Step(SIGTERM, afterNs: 0), Step(SIGKILL, afterNs: 3_000_000_000)])
    /// `--jobs` workers after an interrupt to the runner: the interrupt forwarded (a signal
    /// to the runner alone must still stop them), SIGKILL 5 s later.
    public static let interruptedWorkers = Teardown([Step(SIGINT, afterNs: 0), Step(SIGKILL, afterNs: 5_000_000_000)])
    /// At once: a second interrupt, or a worker that is already lost.
    public static let immediate = Teardown([Step(SIGKILL, afterNs: 0)])

    /// How many steps are due `elapsedNs` after the start (the first `sent` already went).
    public func due(sent: Int, elapsedNs: UInt64) -> Int {
        var n = sent
        while n < steps.count, steps[n].afterNs <= elapsedNs { n += 1 }
        return n - sent
    }

    /// When the next unsent step is due (absolute), or nil when all were sent.
    public func nextAt(sent: Int, startedAt: UInt64) -> UInt64? {
        sent < steps.count ? startedAt + steps[sent].afterNs : nil
    }

    /// Whom a teardown signals.
    public enum Target: Sendable, Equatable, Hashable {
        case process(pid_t)
        case group(pid_t)
    }

    /// One teardown under way. `advance` sends whatever is due; nothing else sends signals.
    public struct Execution: Sendable {
        public let sequence: Teardown
        public private(set) var targets: [Target]
        public let startedAt: UInt64
        public private(set) var sent = 0
        /// Sends a signal; replaced in tests to record instead of sending.
        package var send: @Sendable (Target, Int32) -> Void = Execution.signal

        public init(_ sequence: Teardown, targets: [Target], startedAt: UInt64) {
            self.sequence = sequence
            self.targets = targets
            self.startedAt = startedAt
        }

        /// True once every step went out.
        public var finished: Bool { sent >= sequence.steps.count }

        /// When `advance` must run next, or nil when there is nothing left to send.
        public var nextAt: UInt64? { sequence.nextAt(sent: sent, startedAt: startedAt) }

        /// Adds a target (e.g. a process group learnt after the teardown began); the steps
        /// already sent are sent to it now.
        public mutating func add(_ target: Target) {
            guard !targets.contains(target) else { return }
            targets.append(target)
            for step in sequence.steps.prefix(sent) { deliver(step.signal, to: [target]) }
        }

        /// Sends every step due at `now`.
        public mutating func advance(now: UInt64) {
            let elapsed = now >= startedAt ? now - startedAt : 0
            let n = sequence.due(sent: sent, elapsedNs: elapsed)
            for step in sequence.steps[sent..<(sent + n)] { deliver(step.signal, to: targets) }
            sent += n
        }

        /// Skips the grace: sends the last step now (a second interrupt).
        public mutating func escalate() {
            guard let last = sequence.steps.last, !finished else { return }
            deliver(last.signal, to: targets)
            sent = sequence.steps.count
        }

        private func deliver(_ signal: Int32, to targets: [Target]) {
            for t in targets {
                send(t, signal)
                if signal != SIGCONT && signal != SIGKILL { send(t, SIGCONT) }  // a stopped process must wake to die
            }
        }

        package static let signal: @Sendable (Target, Int32) -> Void = { target, sig in
            switch target {
            case .process(let pid): Sys.kill(pid, sig)
            case .group(let pgid): Sys.killGroup(pgid, sig)
            }
        }
    }

    /// Milliseconds `poll` may wait from `now` to `wakeAt`, rounded up, at most `cap`.
    public static func pollTimeoutMs(now: UInt64, wakeAt: UInt64, capMs: Int32 = 1000) -> Int32 {
        guard wakeAt > now else { return 0 }
        let delta = wakeAt - now
        let ms = delta / 1_000_000 + (delta % 1_000_000 == 0 ? 0 : 1)
        return Int32(min(ms, UInt64(max(capMs, 0))))
    }
}
