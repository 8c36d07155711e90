#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// What a trial of the user's program (docs/programs.md) needs beyond its launcher
/// (ProgramLauncher.swift): the lines read off its pipes turned into events and kept
/// output (`Collector`), its open tasks closed and the history built.
package struct ProgramTrial {
    package let scenario: Scenario
    package let program: ProgramConfig
    package let trial: Int
    package let seed: UInt64
    package let folder: String

    /// Longest line kept whole; a longer one is cut into pieces of this size.
    static let maxLine = 64 * 1024
    /// Output lines kept in the history (transcript, failure text); later ones only counted.
    static let maxKeptLines = 20_000

    package init(scenario: Scenario, program: ProgramConfig, trial: Int, seed: UInt64, folder: String) {
        self.scenario = scenario
        self.program = program
        self.trial = trial
        self.seed = seed
        self.folder = folder
    }

    enum Stream: Int { case events = 0, stdout = 1, stderr = 2 }

    /// A controlled grant: a newline, so a shell helper can wait with the `read` built-in.
    static let grantByte: UInt8 = 0x0a

    /// A process the runner started: buyer `index` (per-buyer mode) or the whole program.
    struct Proc {
        var pid: pid_t = 0
        var status: Int32?
        var exitNs: UInt64 = 0
        var sawExecStart = false
        /// Lines read from its events pipe, but for its child's own `start` and `exec failed`
        /// (a controlled program parks after each), and the kind of the last (nil: not one).
        var reports = 0
        var lastReport: EventKind?
        /// Its exec failed: it exits without ever reporting (under control: never parks).
        var execFailed = false
        var fileBytes = 0
        var droppedBytes = 0
        var pending: [UInt8] = []
        /// Under a controlled schedule: the runner's end of its gate (-1: none), and how many
        /// lines the grants so far allow (one per grant, written after the grant was read).
        var gate: Int32 = -1
        var allowance = 0
    }

    /// The history to judge from what was collected: every task left open closed (`exit
    /// status`, `killed`, `timeout`), `done` at each exit, events in order of arrival.
    func history(_ collect: Collector, procs: [Proc], faultEvents: [Event], killed: Set<Int>, timedOut: Bool,
                 finalRead: StoreRead, startNs: UInt64, endNs: UInt64) -> TrialHistory {
        let count = scenario.buyers.count
        let perBuyer = program.mode == .perBuyer
        let names = (0..<count).map { scenario.buyers.name(of: $0) }
        let procExits = procs.map { p -> BuyerExit in
            guard let status = p.status else { return .unknown }
            let signal = status & 0x7f
            return signal == 0 ? .exited(code: (status >> 8) & 0xff) : .signaled(signal: signal)
        }
        var exits = perBuyer ? procExits : [BuyerExit](repeating: procExits[0], count: count)
        // A whole program's buyer killed by a fault (control: syscalls) died of it, whatever its program did then.
        if !perBuyer { for b in killed where b < count { exits[b] = .signaled(signal: SIGKILL) } }
        // A kill that lost the race with the buyer's own exit did not happen.
        let (faultEvents, killed) = FaultInjector.confirmed(faultEvents, killed: killed, exits: exits)
        let exitNs = (0..<count).map { b -> UInt64 in
            let p = procs[perBuyer ? b : 0]
            return p.status == nil ? endNs : p.exitNs
        }
        var all = collect.events + faultEvents
        Self.closeOpenTasks(&all, count: count, wants: scenario.buyers.wants, exits: exits, exitNs: exitNs,
                            timedOut: timedOut, killed: killed)
        // `done` at exit, recorded by the runner, so a minimal program sends only what it did.
        // Its time is the exit's, or its last line's when that was read later (a process's lines
        // are in the pipe before it exits, but the runner may see the exit first).
        var lastTask = [Int](repeating: 0, count: count)
        var lastNs = [UInt64](repeating: 0, count: count)
        for e in all where e.buyer < count {
            lastTask[e.buyer] = max(lastTask[e.buyer], min(e.task, scenario.buyers.wants - 1))
            if e.kind.isBuyerStep { lastNs[e.buyer] = max(lastNs[e.buyer], e.tNs) }
        }
        for b in 0..<count where exits[b] != .unknown && !killed.contains(b) {
            all.append(Event(tNs: max(exitNs[b], lastNs[b]), buyer: b, task: lastTask[b], kind: .done))
        }
        let sorted = all.enumerated().sorted { ($0.element.tNs, $0.offset) < ($1.element.tNs, $1.offset) }.map(\.element)
        var gaps: [Incompleteness] = []
        if collect.malformed > 0 { gaps.append(.malformed(records: collect.malformed)) }
        if collect.overflowed { gaps.append(.overflow(limit: collect.limit)) }
        if collect.unattributed > 0 { gaps.append(.unattributed(lines: collect.unattributed)) }
        var history = TrialHistory(
            trial: trial, seed: seed, tickets: scenario.tickets, buyerNames: names, wants: scenario.buyers.wants,
            events: sorted, exits: exits, timedOut: timedOut, finalRead: finalRead,
            startNs: startNs, durationNs: endNs - startNs, lockLabel: "the program's own lock", incomplete: gaps)
        history.output = collect.output
        history.outputDropped = collect.outputDropped
        history.program = program.mode.rawValue
        return history
    }

    /// Sends `signal` to a buyer's program and everything it started (a shell buyer's `sleep`,
    /// a Python buyer's helpers): a fault kills or freezes the buyer, not just its first
    /// process. `keeper` is the runner's child (Keeper.swift): never signalled itself, it
    /// follows its program (a stopped keeper could not end the tree if the runner died). No
    /// program below it: it has exited, and is not hit. `tree` is a `ProcessTree.children()`
    /// read once for many buyers (nil: read now).
    static func signalBuyer(_ keeper: pid_t, _ signal: Int32, tree: [pid_t: [pid_t]]? = nil) {
        for pid in ProcessTree.descendants(of: keeper, in: tree ?? ProcessTree.children()) { Sys.kill(pid, signal) }
    }

    /// Gives every task a buyer left without an outcome an `error`: `exit status` when its
    /// process exited non-zero on its own, `killed` for a fault's victim, `timeout` at the timeout.
    package static func closeOpenTasks(_ events: inout [Event], count: Int, wants: Int, exits: [BuyerExit], exitNs: [UInt64],
                                       timedOut: Bool, killed: Set<Int>) {
        var closed = [Set<Int>](repeating: [], count: count)
        var stopped = [Bool](repeating: false, count: count)
        for e in events where e.buyer < count {
            if e.kind.isOutcome { closed[e.buyer].insert(e.task) }
            if e.kind == .soldOut { stopped[e.buyer] = true }
        }
        for b in 0..<count where !exits[b].isCleanExit && !stopped[b] {
            let reason: ErrorReason
            var value: Int64 = 0
            if killed.contains(b) {
                reason = .killed
            } else if timedOut {
                reason = .timeout
            } else {
                reason = .exitStatus
                switch exits[b] {
                case .exited(let code): value = Int64(code)
                case .signaled(let signal): value = 128 + Int64(signal)
                case .unknown: value = -1
                }
            }
            for task in 0..<wants where !closed[b].contains(task) {
                events.append(Event(tNs: exitNs[b], buyer: b, task: task, kind: .error, value: value, aux: reason.rawValue))
            }
        }
    }

    /// Reads lines off the pipes and turns them into events and kept output.
    struct Collector {
        let trial: ProgramTrial
        let count: Int
        let perBuyer: Bool
        let byName: [String: Int]
        let limit: Int
        let patterns: LinePatterns
        var events: [Event] = []
        var malformed = 0
        var unattributed = 0
        var overflowed = false
        var output: [OutputLine] = []
        var outputDropped = 0
        /// The first line a gated buyer wrote without being granted a step: why the schedule stops.
        var stray: String?
        /// Per buyer: outcomes seen (the next implicit task), and the last task reported.
        var outcomes: [Int]
        var lastTask: [Int]
        /// Per pipe: the line read so far.
        var partial: [Int: [UInt8]] = [:]

        init(trial: ProgramTrial, count: Int, perBuyer: Bool, byName: [String: Int], limit: Int, patterns: LinePatterns) {
            self.trial = trial
            self.count = count
            self.perBuyer = perBuyer
            self.byName = byName
            self.limit = limit
            self.patterns = patterns
            outcomes = [Int](repeating: 0, count: count)
            lastTask = [Int](repeating: 0, count: count)
            events.reserveCapacity(min(limit, 1 << 16))
        }

        mutating func feed(_ bytes: UnsafeRawBufferPointer, slot: Int, proc: Int, stream: Stream, at now: UInt64,
                           procs: inout [Proc], injector: inout FaultInjector, pids: [pid_t]) {
            var start = 0
            var carry = partial.removeValue(forKey: slot) ?? []
            for i in 0..<bytes.count where bytes[i] == 0x0a {
                if carry.isEmpty {
                    line(UnsafeRawBufferPointer(rebasing: bytes[start..<i]), proc: proc, stream: stream, at: now,
                         procs: &procs, injector: &injector, pids: pids)
                } else {
                    carry.append(contentsOf: bytes[start..<i])
                    carry.withUnsafeBytes { line($0, proc: proc, stream: stream, at: now, procs: &procs, injector: &injector, pids: pids) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            if start < bytes.count { carry.append(contentsOf: bytes[start...]) }
            while carry.count >= ProgramTrial.maxLine {
                carry.withUnsafeBytes { raw in
                    line(UnsafeRawBufferPointer(rebasing: raw[0..<ProgramTrial.maxLine]), proc: proc, stream: stream, at: now,
                         procs: &procs, injector: &injector, pids: pids)
                }
                carry.removeFirst(ProgramTrial.maxLine)
            }
            if !carry.isEmpty { partial[slot] = carry }
        }

        /// EOF on a pipe: a last line without its newline still counts.
        mutating func finish(slot: Int, proc: Int, stream: Stream, at now: UInt64, procs: inout [Proc],
                             injector: inout FaultInjector, pids: [pid_t]) {
            guard let carry = partial.removeValue(forKey: slot), !carry.isEmpty else { return }
            carry.withUnsafeBytes { line($0, proc: proc, stream: stream, at: now, procs: &procs, injector: &injector, pids: pids) }
        }

        private mutating func line(_ raw: UnsafeRawBufferPointer, proc: Int, stream: Stream, at now: UInt64,
                                   procs: inout [Proc], injector: inout FaultInjector, pids: [pid_t]) {
            var bytes = UnsafeRawBufferPointer(rebasing: raw[...])
            if let last = bytes.last, last == 0x0d { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
            switch stream {
            case .events:
                let blank = bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 })
                let parsed = blank ? nil : ProtocolLine.parse(bytes.bindMemory(to: UInt8.self))
                let own = parsed.map { $0.kind == .start && $0.buyer == nil && !procs[proc].sawExecStart } ?? false
                if let parsed, !own, parsed.kind == .error, parsed.reason == ErrorReason.execFailed.name, procs[proc].reports == 0 {
                    procs[proc].execFailed = true  // written by the runner's child: the program never ran
                } else if !own {
                    procs[proc].reports += 1
                    procs[proc].lastReport = parsed?.kind
                    if procs[proc].gate >= 0 { checkGrant(proc, line: bytes, procs: &procs) }
                }
                if blank { return }
                guard let parsed else { malformed += 1; return }
                if own {
                    // The runner's own child wrote this just before exec.
                    procs[proc].sawExecStart = true
                    if perBuyer {
                        add(.start, buyer: proc, task: 0, value: 0, aux: 0, at: now, injector: &injector, pids: pids)
                    } else {
                        for b in 0..<count { add(.start, buyer: b, task: 0, value: 0, aux: 0, at: now, injector: &injector, pids: pids) }
                    }
                    return
                }
                var aux: Int32 = 0
                if parsed.kind == .error {
                    aux = (parsed.reason.flatMap { r in ErrorReason.allCases.first { $0.name == r } } ?? .program).rawValue
                }
                if parsed.kind.isTransactional, let v = parsed.version { aux = v }
                event(parsed.kind, value: parsed.value, task: parsed.task.map { $0 - 1 }, name: parsed.buyer, proc: proc,
                      aux: aux, key: parsed.key, at: now, injector: &injector, pids: pids)
                // A read or write line with a version is also the transactional history's step.
                if let v = parsed.version, let step = ProtocolLine.transactional(parsed.kind) {
                    event(step, value: parsed.value, task: parsed.task.map { $0 - 1 }, name: parsed.buyer, proc: proc,
                          aux: v, key: parsed.key, at: now, injector: &injector, pids: pids)
                }
            case .stdout, .stderr:
                let text = String(decoding: bytes, as: UTF8.self)
                keep(text, bytes: bytes.count, proc: proc, stream: stream, at: now, procs: &procs)
                guard !patterns.isEmpty, let m = patterns.match(text) else { return }
                event(m.kind, value: m.value, task: nil, name: m.buyer, proc: proc,
                      aux: m.kind == .error ? ErrorReason.program.rawValue : 0, at: now, injector: &injector, pids: pids)
            }
        }

        /// A gated buyer's report must answer a grant it read (docs/programs.md, "the gate"):
        /// one line per grant, none while parked, none while the grant is still unread in the
        /// gate. Checked as each line is read, so the first line written without waiting is
        /// the one named, whatever the timing.
        private mutating func checkGrant(_ proc: Int, line: UnsafeRawBufferPointer, procs: inout [Proc]) {
            let unread = Sys.bytesWaiting(procs[proc].gate) ?? 0
            if procs[proc].allowance > 0 && unread == 0 {
                procs[proc].allowance -= 1
                return
            }
            guard stray == nil else { return }
            let text = String(decoding: line.prefix(200).map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
            stray = "\(trial.scenario.name): \(trial.scenario.buyers.name(of: proc)) wrote a line without being granted a step "
                + "(its line \(procs[proc].reports): \(text)): under a controlled schedule a program waits at its gate after "
                + "each line, reading one byte from TICKETRUSH_GATE_FD as the client helpers do (docs/programs.md, \"Controlled schedules: the gate\")"
        }

        /// One event of buyer `proc` (per-buyer mode) or of the buyer `name` names (program mode).
        private mutating func event(_ kind: EventKind, value: Int64, task explicit: Int?, name: String?, proc: Int, aux: Int32,
                                    key: UInt16 = 0, at now: UInt64, injector: inout FaultInjector, pids: [pid_t]) {
            var buyer: Int?
            if perBuyer {
                buyer = proc
            } else if let name {
                buyer = byName[name] ?? Int(name).flatMap { $0 >= 1 && $0 <= count ? $0 - 1 : nil }
            }
            guard let buyer else {
                // Counts toward totals as a task of its own; per-task invariants cannot judge it.
                unattributed += 1
                add(kind, buyer: count + unattributed - 1, task: 0, value: value, aux: aux, at: now, injector: &injector, pids: pids)
                return
            }
            let task: Int
            if let explicit {
                task = explicit
                if kind.isOutcome { outcomes[buyer] = max(outcomes[buyer], task + 1) }
            } else if kind == .lockReleased || kind == .done {
                task = max(outcomes[buyer] - 1, 0)
            } else {
                task = outcomes[buyer]
                if kind.isOutcome { outcomes[buyer] += 1 }
            }
            lastTask[buyer] = task
            add(kind, buyer: buyer, task: task, value: value, aux: aux, key: key, at: now, injector: &injector, pids: pids)
        }

        private mutating func add(_ kind: EventKind, buyer: Int, task: Int, value: Int64, aux: Int32, key: UInt16 = 0, at now: UInt64,
                                  injector: inout FaultInjector, pids: [pid_t]) {
            guard events.count < limit else { overflowed = true; return }
            let e = Event(tNs: now, buyer: buyer, task: task, kind: kind, value: value, aux: aux, key: key)
            events.append(e)
            // A fault at this step: stop the buyer now (it has run on since writing the line;
            // exact stops need the gate), then kill it or resume it after the stall.
            if perBuyer, buyer < count, injector.plan[buyer]?[kind] != nil, pids[buyer] > 0 {
                ProgramTrial.signalBuyer(pids[buyer], SIGSTOP)
                switch injector.stopped(buyer: buyer, last: e, now: now, landing: .arrival) {
                case .kill: ProgramTrial.signalBuyer(pids[buyer], SIGKILL)
                case .resume: ProgramTrial.signalBuyer(pids[buyer], SIGCONT)
                case .hold: break
                }
            }
        }

        /// Output: into the history (bounded) and into `buyer-N.out` (1 MiB, then counted).
        private mutating func keep(_ text: String, bytes: Int, proc: Int, stream: Stream, at now: UInt64, procs: inout [Proc]) {
            if output.count < ProgramTrial.maxKeptLines {
                output.append(OutputLine(tNs: now, buyer: perBuyer ? proc : nil, stream: stream == .stderr ? .stderr : .stdout, text: text))
            } else {
                outputDropped += 1
            }
            if procs[proc].fileBytes + bytes + 1 <= ProgramConfig.outputLimitBytes {
                procs[proc].fileBytes += bytes + 1
                procs[proc].pending.append(contentsOf: text.utf8)
                procs[proc].pending.append(0x0a)
                if procs[proc].pending.count >= 64 * 1024 { flushOutput(proc: proc, procs: &procs, final: false) }
            } else {
                procs[proc].droppedBytes += bytes + 1
            }
        }

        func flushOutput(proc: Int, procs: inout [Proc], final: Bool) {
            if final, procs[proc].droppedBytes > 0 {
                procs[proc].pending.append(contentsOf: "[ticketrush: output past \(ProgramConfig.outputLimitBytes) bytes: \(procs[proc].droppedBytes) more bytes dropped]\n".utf8)
                procs[proc].droppedBytes = 0
            }
            guard !procs[proc].pending.isEmpty else { return }
            let name = perBuyer ? "buyer-\(proc + 1).out" : "program.out"
            let fd = open("\(trial.folder)/\(name)", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 {
                procs[proc].pending.withUnsafeBytes { raw in
                    var off = 0
                    while off < raw.count {
                        let n = write(fd, raw.baseAddress! + off, raw.count - off)
                        if n < 0, errno == EINTR { continue }
                        if n <= 0 { break }
                        off += n
                    }
                }
                close(fd)
            }
            procs[proc].pending.removeAll(keepingCapacity: !final)
        }
    }
}
