#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild

/// One trial's database state: made before the first fork, read after reaping, dropped at
/// the end. sqlite: a fresh file in the trial folder; postgres: a fresh table; redis: a
/// fresh key — each named uniquely per run and trial, so a given server is never touched
/// outside them.
package struct EngineTrial {
    package let target: EngineTarget
    /// Why the runner could not set the trial up (a given server refusing): buyers then fail too.
    package let setupError: String?

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
        guard let backend = EngineRegistry.backend(s.kind) else { return EngineTrial(target: target, setupError: nil) }
        target.backend = backend
        if s.kind.isServer {
            let endpoint = endpoint ?? EngineEndpoint(url: s.url ?? "", kind: s.kind)
            target.location = endpoint.location
            target.port = endpoint.port
        }
        target.name = backend.storeName(tag: runTag, serial: serial)
        // The availability check loaded the client; a run that skipped it (tests) loads it here.
        var setupError = EngineClient.problem(s.kind, backend)
        // What runs killed outright left in a given server, before its first trial here.
        if setupError == nil, s.url != nil, swept.insert("\(target.location):\(target.port)").inserted {
            backend.sweep(target, machine: RunOwner.machine) { RunOwner.isGone(pid: $0, start: $1) }
        }
        if setupError == nil { setupError = backend.create(target, tickets: scenario.tickets, storage: s) }
        // A file engine that cannot create its file is the runner's failure; a server's refusal is the buyers' too.
        if !s.kind.isServer, let e = setupError {
            throw RunnerError.system(SystemError(call: "\(s.kind.rawValue) create: \(e)", path: storagePath, code: EIO))
        }
        return EngineTrial(target: target, setupError: setupError)
    }

    /// The stored count after every buyer was reaped.
    package func finalRead() -> StoreRead {
        target.backend?.finalRead(target) ?? .failed(errno: EINVAL)
    }

    /// Drops the trial's table or keys (the sqlite file goes with the trial folder).
    package func drop() { target.backend?.drop(target) }

    /// The engines' messages the buyers (and the setup) logged, distinct, in order, at most `limit`.
    package func messages(limit: Int = 5) -> [String] {
        var out: [String] = setupError.map { ["setup: \($0)"] } ?? []
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
