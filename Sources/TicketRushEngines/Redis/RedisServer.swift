#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// A throwaway redis-server: no TCP port, a Unix socket in its folder, no persistence.
final class RedisServer: PrivateServer {
    private var process: ServerProcess?
    let summary = "Redis, Unix socket only, no persistence (--save '' --appendonly no)"

    init(buyers: Int) throws {}

    static var installed: Bool { binary() != nil }

    static func binary() -> String? {
        findExecutable("redis-server", candidates: ["/usr/bin/redis-server", "/usr/local/bin/redis-server"])
    }

    func start() throws -> EngineEndpoint {
        guard let bin = Self.binary() else { throw ServerError(description: "redis-server not found: \(EngineDescriptor.redis.installLine)") }
        let p = try ServerProcess(name: "redis-server", owner: nil)
        process = p
        do {
            let socket = "\(p.dir)/redis.sock"
            let pid = try p.spawn(bin, ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--save", "",
                                        "--appendonly", "no", "--dir", p.dir, "--daemonize", "no", "--maxclients", "10000"], owner: nil)
            let endpoint = EngineEndpoint(kind: .redis, location: socket, isPrivate: true)
            // Each PING within 2 s (an interrupt ends it): a server that stops answering cannot hang the start.
            var target = EngineTarget(kind: .redis, location: socket)
            target.answerWithinNs = 2_000_000_000
            try awaitReady(p, pid: pid, seconds: 30) {
                access(socket, F_OK) == 0 && (try? RedisStore.run(target, [["PING"]]))?.status == .ok
            }
            return endpoint
        } catch {
            stop()
            throw error
        }
    }

    func stop() {
        process?.stop(signal: SIGTERM)
        process = nil
    }
}
