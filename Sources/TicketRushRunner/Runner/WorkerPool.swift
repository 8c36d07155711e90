#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushProcess
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// `--jobs J`: J forked worker processes, each running every J-th unit with its own
/// `UnitExecutor` and sending records back over its own pipe, length-prefixed, in
/// `TrialRecordWire`'s binary form (JSON cost more than a warm schedule).
/// Processes, not threads: a worker forks buyers, which is only safe single-threaded, and
/// the runner forks the workers while it is still single-threaded itself.
///
/// A worker keeps only its pipe end and the standard streams, and dies with the runner
/// (PR_SET_PDEATHSIG); it tells the pool each trial's process group ('G' frames). The pool
/// watches every worker with waitpid: one that dies or stops unasked is lost, its groups are
/// killed and the other workers stopped (`Teardown.workers`); the run ends with exit 3. The
/// pool has a deadline (every unit's timeouts, plus slack). The first interrupt is
/// forwarded (`Teardown.interruptedWorkers`), a second one kills at once.
package enum WorkerPool {
    /// Runs `units` on `jobs` workers; `received` sees each record as it arrives. `keep`:
    /// descriptors the executor itself uses in a worker (the work folder, the events folder).
    package static func run(_ units: [RunPlan.Unit], jobs: Int, executor: UnitExecutor, keep extra: [Int32] = [],
                           received: (TrialRecord) -> Void) throws -> [TrialRecord] {
        try ThreadCheck.requireSingleThreaded()
        PageDrop.beforeForking()
        // Each worker flushes stdio when it exits: unwritten output of the runner (the server
        // start line, when stdout is a pipe) would otherwise be printed once per worker too.
        fflush(nil)
        // A lost worker's orphans (a program keeper killed with its group before it ended its
        // tree) come to the pool, not to init; `sweep` ends them.
        let wasSubreaper = (try? Sys.isSubreaper()) ?? true
        if !wasSubreaper { try? Sys.setSubreaper(true) }
        defer { if !wasSubreaper { try? Sys.setSubreaper(false) } }
        var pool = Pool(budget: deadlineNs(units, jobs: jobs, plan: executor.plan))
        for job in 0..<jobs {
            try pool.fork(job, units: units.enumerated().filter { $0.offset % jobs == job }.map(\.element),
                          executor: executor, keep: extra)
        }
        pool.deadline = MonotonicClock.now() &+ pool.budget
        while pool.workers.contains(where: { $0.status == nil || $0.fd >= 0 }) { pool.step(received) }
        if pool.stopping != nil { sweep() }
        return try pool.result()
    }

    /// The pool while it runs: its workers, what they sent, why it is stopping them.
    struct Pool {
        var workers: [Worker] = []
        var records: [TrialRecord] = []
        var failures: [String] = []
        var lost: String?
        var stopping: Teardown.Execution?
        var interrupted: Int32 = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let budget: UInt64
        var deadline: UInt64 = .max

        init(budget: UInt64) { self.budget = budget }

        /// Forks worker `job`: it keeps only its pipe's write end (and `keep`), dies with the runner.
        mutating func fork(_ job: Int, units: [RunPlan.Unit], executor: UnitExecutor, keep extra: [Int32]) throws {
            let fds: (read: Int32, write: Int32)
            do { fds = try Sys.pipe() } catch {
                stopAll(&workers)
                throw RunnerError.failed(error)
            }
            let keep = Descriptors([fds.write] + extra)
            defer { keep.free() }
            let pid: pid_t
            do {
                pid = try Spawn.child(dieWith: getpid(), group: nil, keep: keep.fds) {
                    work(units, executor: executor, fd: fds.write)
                }
            } catch {
                Sys.close(fds.write)
                Sys.close(fds.read)
                stopAll(&workers)
                throw RunnerError.failed(error, as: "fork (worker \(job + 1))")
            }
            Sys.close(fds.write)
            try? Sys.setNonBlocking(fds.read)
            workers.append(Worker(job: job, pid: pid, fd: fds.read))
        }

        mutating func startStopping(_ sequence: Teardown, now: UInt64) {
            guard stopping == nil else { return }
            stopping = Teardown.Execution(sequence, targets: workers.flatMap(\.targets), startedAt: now)
        }

        /// One round: interrupts and the deadline, every worker's exit, then whatever they sent.
        mutating func step(_ received: (TrialRecord) -> Void) {
            let now = MonotonicClock.now()
            let signal = tr_interrupted()
            if signal != 0 {
                if interrupted == 0 { interrupted = signal }
                startStopping(.interruptedWorkers, now: now)
                if tr_interrupt_count() >= 2 { stopping?.escalate() }
            }
            if stopping == nil, now >= deadline {
                lost = "the workers did not finish within \(budget / 1_000_000_000) s (the sum of their trials' timeouts and slack)"
                startStopping(.workers, now: now)
            }
            for i in workers.indices where workers[i].status == nil { watch(i, now: now, received) }
            stopping?.advance(now: now)
            let open = workers.indices.filter { workers[$0].fd >= 0 }
            var pfds = open.map { pollfd(fd: workers[$0].fd, events: Int16(POLLIN), revents: 0) }
            // No pipe left open: the workers are exiting, so look again soon rather than in
            // 100 ms (a split cell forks a pool per round of schedules: 100 ms a round).
            let wakeAt = min(now + (open.isEmpty ? 1_000_000 : 100_000_000), stopping?.nextAt ?? .max, stopping == nil ? deadline : .max)
            let ready = pfds.withUnsafeMutableBufferPointer {
                (try? Sys.poll($0, timeoutMs: Teardown.pollTimeoutMs(now: now, wakeAt: wakeAt))) ?? 0
            }
            if ready > 0 {
                for (slot, i) in open.enumerated() where pfds[slot].revents != 0 { readFrames(i, received) }
            }
        }

        /// Worker `i`'s exit or stop, if any: one that dies or stops unasked is lost.
        mutating func watch(_ i: Int, now: UInt64, _ received: (TrialRecord) -> Void) {
            guard let (_, status) = try? Sys.wait(workers[i].pid, options: WNOHANG | WUNTRACED) else { return }
            if status.isStopped {
                // Stopped (SIGSTOP, SIGTSTP, …): it would hold its trial for ever.
                if lost == nil { lost = "worker \(i + 1) was stopped by signal \(status.stopSignal)" }
                var killNow = Teardown.Execution(.immediate, targets: workers[i].targets, startedAt: now)
                killNow.advance(now: now)
                startStopping(.workers, now: now)
                return
            }
            workers[i].status = status.raw
            readFrames(i, received)
            if workers[i].fd >= 0 { Sys.close(workers[i].fd); workers[i].fd = -1 }
            let (sig, code) = (status.signal, status.exitCode)
            if sig != 0 || (code != 0 && code != 130) {
                // Its buyers die with it (PDEATHSIG); its last group is killed all the same.
                if let group = workers[i].group { Sys.killGroup(group, SIGKILL) }
                if stopping == nil && failures.isEmpty {
                    lost = "worker \(i + 1) " + (sig != 0 ? "was killed by signal \(sig)" : "exited \(code)")
                    startStopping(.workers, now: now)
                }
            }
            if sig == 0 && code == 130 && interrupted == 0 { interrupted = SIGINT }
        }

        /// Reads worker `i`'s pipe until it is empty; its frames: records, groups, failures.
        mutating func readFrames(_ i: Int, _ received: (TrialRecord) -> Void) {
            while workers[i].fd >= 0 {
                let got: Int?
                do { got = try chunk.withUnsafeMutableBytes { (raw) throws(SyscallError) in try Sys.read(workers[i].fd, raw.baseAddress!, raw.count) } } catch { got = 0 }
                guard let n = got else { return }
                if n == 0 { Sys.close(workers[i].fd); workers[i].fd = -1; return }
                chunk.withUnsafeBytes { workers[i].reader.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                while let frame = workers[i].reader.next() { take(frame, from: i, received) }
            }
        }

        mutating func take(_ frame: Frame, from i: Int, _ received: (TrialRecord) -> Void) {
            switch frame.kind {
            case UInt8(ascii: "W"):
                if let record = try? TrialRecordWire.decode(frame.body) {
                    records.append(record)
                    received(record)
                } else {
                    failures.append("worker \(workers[i].job + 1) sent a record that does not decode")
                }
            case UInt8(ascii: "G"):
                if let group = Frame.group(frame.body) {
                    workers[i].group = group
                    if group > 0 { stopping?.add(.group(group)) }
                }
            default:
                failures.append(String(decoding: frame.body, as: UTF8.self))
            }
        }

        /// An interrupt to the runner wins; workers that exited 130 because the pool stopped
        /// them after losing one do not make the run "interrupted".
        func result() throws -> [TrialRecord] {
            if tr_interrupted() != 0 { throw RunnerError.interrupted(signal: tr_interrupted()) }
            if let first = failures.first { throw RunnerError.workerFailed(first) }
            if let lost { throw RunnerError.workerFailed(lost) }
            if interrupted != 0 { throw RunnerError.interrupted(signal: interrupted) }
            return records
        }
    }

    /// One worker as the pool sees it.
    struct Worker {
        var job: Int
        var pid: pid_t
        /// The read end of its pipe; -1 once closed.
        var fd: Int32
        var reader = FrameReader()
        /// Its current trial's process group (0 between trials).
        var group: pid_t?
        /// Its wait status once reaped.
        var status: Int32?

        init(job: Int, pid: pid_t, fd: Int32) {
            self.job = job
            self.pid = pid
            self.fd = fd
        }

        var targets: [Teardown.Target] {
            guard status == nil else { return [] }
            var t: [Teardown.Target] = [.process(pid)]
            if let group, group > 0 { t.append(.group(group)) }
            return t
        }
    }

    /// Kills and reaps whatever workers stopped by force left below the pool (every worker
    /// is reaped by now; the run's private servers are spared).
    static func sweep() {
        ProcessTree.killAndReapAll { _, _ in }
    }

    /// Stops and reaps workers already forked (a later fork or pipe failed).
    static func stopAll(_ workers: inout [Worker]) {
        var t = Teardown.Execution(.workers, targets: workers.flatMap(\.targets), startedAt: MonotonicClock.now())
        for w in workers where w.fd >= 0 { Sys.close(w.fd) }
        var left = Set(workers.map(\.pid))
        while !left.isEmpty {
            t.advance(now: MonotonicClock.now())
            for pid in left {
                // Reaped, or nothing left to wait for (ECHILD).
                let done: Bool
                do { done = try Sys.wait(pid, options: WNOHANG) != nil } catch { done = true }
                if done { left.remove(pid) }
            }
            if !left.isEmpty { MonotonicClock.sleep(ns: 5_000_000) }
        }
    }

    /// How long the pool waits for its workers: the busiest worker's trials at their full
    /// timeouts, plus 2 s a trial and a minute of slack.
    static func deadlineNs(_ units: [RunPlan.Unit], jobs: Int, plan: RunPlan) -> UInt64 {
        var perWorker = [UInt64](repeating: 0, count: max(jobs, 1))
        for (i, u) in units.enumerated() {
            let trials = UInt64(u.trial == nil ? plan.trialCounts[u.scenario] : 1)
            let each = UInt64(max(plan.scenarios[u.scenario].timeoutNs, 0)) &+ 2_000_000_000
            let (cost, o1) = trials.multipliedReportingOverflow(by: each)
            let (sum, o2) = perWorker[i % perWorker.count].addingReportingOverflow(cost)
            perWorker[i % perWorker.count] = o1 || o2 ? .max / 2 : sum
        }
        return min(perWorker.max() ?? 0, .max / 2) + 60_000_000_000
    }

    /// The worker: runs its units, sends each record, exits (never returns).
    private static func work(_ units: [RunPlan.Unit], executor: UnitExecutor, fd: Int32) -> Never {
        var executor = executor
        var code: Int32 = 0
        let out = Outbox(fd: fd)
        TrialSession.groupObserver = { out.group($0) }
        do {
            for unit in units {
                try executor.run(unit) { out.record($0) }
            }
        } catch RunnerError.interrupted {
            code = 130
        } catch {
            out.frame(kind: UInt8(ascii: "E"), Array("\(error)".utf8))
            code = 3
        }
        out.flush()
        fflush(nil)
        _exit(code)
    }

    /// What a worker sends, batched: a split cell's warm schedule costs about what one
    /// write to the pipe and the runner's wake-up to read it cost, so records go in batches
    /// (written once `batchBytes` are pending, or with the first record `batchNs` after the
    /// last write, with a new group, or at the end: the progress line may lag one slow
    /// trial), and a trial's group goes at once only when it is new (the pool kills it if
    /// the worker is lost). A warm crew keeps its group from schedule to schedule: its "no
    /// group" between them is sent only with a batch, and dropped when the same group comes back.
    final class Outbox {
        static let batchBytes = 16 * 1024
        let fd: Int32
        /// A record written this long after the last write goes at once (the progress line).
        let batchNs: UInt64
        private(set) var pending: [UInt8] = []
        private var sentGroup: pid_t = 0
        private var ended = false
        private var flushedAt = MonotonicClock.now()

        init(fd: Int32, batchNs: UInt64 = 20_000_000) {
            self.fd = fd
            self.batchNs = batchNs
        }

        func group(_ group: pid_t) {
            if group == 0 { ended = sentGroup != 0; return }
            let same = ended && group == sentGroup
            ended = false
            if same { return }
            sentGroup = group
            frame(kind: UInt8(ascii: "G"), Frame.groupBody(group))
            flush()
        }

        func record(_ r: TrialRecord) {
            frame(kind: UInt8(ascii: "W"), TrialRecordWire.encode(r))
            if pending.count >= Self.batchBytes || MonotonicClock.now() &- flushedAt >= batchNs { flush() }
        }

        func frame(kind: UInt8, _ body: [UInt8]) {
            pending.append(kind)
            withUnsafeBytes(of: UInt32(body.count).littleEndian) { pending.append(contentsOf: $0) }
            pending.append(contentsOf: body)
        }

        func flush() {
            if ended {
                frame(kind: UInt8(ascii: "G"), Frame.groupBody(0))
                (sentGroup, ended) = (0, false)
            }
            send(fd, pending)
            pending.removeAll(keepingCapacity: true)
            flushedAt = MonotonicClock.now()
        }
    }

    private static func send(_ fd: Int32, _ frame: [UInt8]) {
        var offset = 0
        while offset < frame.count {
            let n = frame.withUnsafeBytes { write(fd, $0.baseAddress! + offset, frame.count - offset) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }

    /// One frame: kind byte, 4-byte little-endian length, body.
    struct Frame: Equatable {
        var kind: UInt8
        var body: [UInt8]

        static func encode(kind: UInt8, _ body: [UInt8]) -> [UInt8] {
            var frame: [UInt8] = [kind]
            withUnsafeBytes(of: UInt32(body.count).littleEndian) { frame += $0 }
            return frame + body
        }

        static func groupBody(_ group: pid_t) -> [UInt8] {
            withUnsafeBytes(of: Int32(group).littleEndian) { Array($0) }
        }

        static func group(_ body: [UInt8]) -> pid_t? {
            guard body.count == 4 else { return nil }
            return pid_t(Int32(body[0]) | Int32(body[1]) << 8 | Int32(body[2]) << 16 | Int32(body[3]) << 24)
        }
    }

    /// Reassembles frames from reads that may split them anywhere.
    struct FrameReader {
        private var buffer: [UInt8] = []
        private var start = 0

        mutating func append(_ bytes: UnsafeRawBufferPointer) {
            buffer.append(contentsOf: bytes)
        }

        mutating func next() -> Frame? {
            let available = buffer.count - start
            guard available >= 5 else { compact(); return nil }
            let length = Int(buffer[start + 1]) | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3]) << 16 | Int(buffer[start + 4]) << 24
            guard available >= 5 + length else { compact(); return nil }
            let frame = Frame(kind: buffer[start], body: Array(buffer[(start + 5)..<(start + 5 + length)]))
            start += 5 + length
            return frame
        }

        /// Bytes held for a frame not yet complete.
        var pending: Int { buffer.count - start }

        private mutating func compact() {
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
        }
    }
}
