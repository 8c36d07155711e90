#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines
import TicketRushChild

/// One trial's database state: made before the first fork, read after reaping, dropped at
/// the end. sqlite: a fresh file in the trial folder; postgres: a fresh table; redis: a
/// fresh key — each named uniquely per run and trial, so a given server is never touched
/// outside them.
package struct EngineTrial {
    package let target: EngineTarget
    /// Why the runner could not set the trial up (a given server refusing): buyers then fail too.
    package let setupError: String?
    /// Set by the first of the runner's calls the server did not answer (later ones of the
    /// trial are skipped), or that an interrupt ended.
    private let silence: Silence

    private final class Silence {
        var unanswered: String?
        var interrupted = false
    }

    /// Servers (kind, location, port) that did not answer once in this process: later trials
    /// do not wait on them again, so a silent server costs each trial at most its timeout.
    nonisolated(unsafe) private static var silent: [String: String] = [:]
    private var serverKey: String { "\(target.kind.rawValue) \(target.location) \(target.port)" }

    /// Unique per process: `--jobs` workers each count their own trials. It names the maker
    /// (machine, pid, start time), so a later run on this machine can tell when it is gone.
    private static var runTag: String { "\(RunOwner.machine)_\(getpid())_\(RunOwner.startTime(getpid()) ?? 0)" }
    nonisolated(unsafe) private static var serial = 0
    /// The given servers (`storage.url`) already swept by this process.
    nonisolated(unsafe) private static var swept: Set<String> = []

    package static func prepare(_ scenario: Scenario, folder: String, storagePath: String, endpoint: EngineEndpoint?) throws -> EngineTrial {
        let s = scenario.storage
        serial += 1
        var target = EngineTarget(kind: s.kind, location: storagePath, isolation: s.isolation,
                                  busyTimeoutMs: Int(s.busyTimeoutNs / 1_000_000), ttlMs: max(Int(scenario.lock.ttlNs / 1_000_000), 1),
                                  messageLog: "\(folder)/engine.log")
        guard let backend = EngineRegistry.backend(s.kind) else { return EngineTrial(target: target, setupError: nil, silence: Silence()) }
        target.backend = backend
        // Each call the runner makes to a server gets the trial's timeout, and an interrupt ends it.
        target.answerWithinNs = UInt64(max(scenario.timeoutNs, 1))
        if s.kind.isServer {
            let endpoint = endpoint ?? EngineEndpoint(url: s.url ?? "", kind: s.kind)
            target.location = endpoint.location
            target.port = endpoint.port
        }
        target.name = backend.storeName(tag: runTag, serial: serial)
        // The availability check loaded the client; a run that skipped it (tests) loads it here.
        let trial = EngineTrial(target: target, setupError: nil, silence: Silence())
        var setupError = EngineClient.problem(s.kind, backend)
        // What runs killed outright left in a given server, before its first trial here.
        if setupError == nil, silent[trial.serverKey] == nil, s.url != nil, swept.insert("\(target.location):\(target.port)").inserted {
            backend.sweep(target, machine: RunOwner.machine) { RunOwner.isGone(pid: $0, start: $1) }
        }
        if setupError == nil, let earlier = silent[trial.serverKey] {
            trial.silence.unanswered = earlier
            setupError = earlier
        } else if setupError == nil {
            do {
                if let workload = scenario.workload { setupError = try backend.createWorkload(target, workload, storage: s) } else {
                    setupError = try backend.create(target, tickets: scenario.tickets, storage: s)
                }
            } catch {
                if error.interrupted { throw RunnerError.interrupted(signal: tr_interrupted()) }
                trial.note(error)
                setupError = error.description
            }
        }
        // A file engine that cannot create its file is the runner's failure; a server's refusal is the buyers' too.
        if !s.kind.isServer, let e = setupError {
            throw RunnerError.system(SystemError(call: "\(s.kind.rawValue) create: \(e)", path: storagePath, code: EIO))
        }
        return EngineTrial(target: target, setupError: setupError, silence: trial.silence)
    }

    /// Why the trial's history cannot be judged: the server did not answer the runner.
    package var unanswered: String? { silence.unanswered }
    /// True when an interrupt ended one of the runner's calls.
    package var interrupted: Bool { silence.interrupted }

    private func note(_ error: EngineUnanswered) {
        if error.interrupted {
            silence.interrupted = true
            return
        }
        silence.unanswered = error.description
        Self.silent[serverKey] = error.description
    }

    /// The stored count after every buyer was reaped; unreadable when the server is silent.
    package func finalRead() -> StoreRead {
        guard let backend = target.backend else { return .failed(errno: EINVAL) }
        guard silence.unanswered == nil, !silence.interrupted else { return .failed(errno: ETIMEDOUT) }
        do { return try backend.finalRead(target) } catch {
            note(error)
            return .failed(errno: ETIMEDOUT)
        }
    }

    /// A workload's state after every buyer was reaped; nil when unreadable.
    package func finalWorkload(_ workload: Workload) -> WorkloadState? {
        guard let backend = target.backend, silence.unanswered == nil, !silence.interrupted else { return nil }
        do { return try backend.readWorkload(target, workload) } catch {
            note(error)
            return nil
        }
    }

    /// Drops the trial's table or keys (the sqlite file goes with the trial folder). Not on
    /// a silent server; after an interrupt, within half a second whatever the flag says.
    package func drop() {
        guard let backend = target.backend, silence.unanswered == nil else { return }
        var target = target
        if tr_interrupted() != 0 {
            target.interruptible = false
            target.answerWithinNs = min(target.answerWithinNs, 500_000_000)
        }
        do { try backend.drop(target) } catch { note(error) }
    }

    /// The engines' messages the buyers (and the setup) logged, distinct, in order, at most `limit`.
    package func messages(limit: Int = 5) -> [String] {
        var out: [String] = setupError.map { ["setup: \($0)"] } ?? []
        if let unanswered, unanswered != setupError { out.append(unanswered) }
        let fd = open(target.messageLog, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            close(fd)
            var seen = Set<String>()
            var counts: [String: Int] = [:]
            var order: [String] = []
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                // "buyer N: message": count buyers per message.
                let text = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingPrefix(" ") }.map(String.init) ?? String(line)
                if !seen.contains(text) { seen.insert(text); order.append(text) }
                counts[text, default: 0] += 1
            }
            out += order.map { counts[$0, default: 1] > 1 ? "\($0) (×\(counts[$0]!))" : $0 }
        }
        return Array(out.prefix(limit))
    }
}
