#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// The commands of each lock mode on Redis (docs/storage.md), as pure functions: the
/// tickets are the integer at `key`; advisory's lock is `key:lock`.
package struct RedisCommands: Sendable {
    package var mode: LockMode
    package var key: String
    package var ttlMs: Int = 2000

    package init(mode: LockMode, key: String, ttlMs: Int = 2000) {
        self.mode = mode
        self.key = key
        self.ttlMs = ttlMs
    }

    package var lockKey: String { "\(key):lock" }

    /// Check and decrement in one step: the script runs alone on the server.
    package static let decrementScript =
        "local c = tonumber(redis.call('GET', KEYS[1])) if c and c > 0 then return redis.call('DECR', KEYS[1]) else return -1 end"
    /// Deletes the lock only if it still holds our token.
    package static let releaseScript =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"

    /// The version tag of the count (docs/events.md): a key of its own, so the count stays
    /// a plain integer that programs and the final read GET.
    package var versionKey: String { "\(key):version" }

    /// Count and tag in one reply, read together: count × 2³² + tag.
    package static let versionedReadScript =
        "return tonumber(redis.call('GET', KEYS[1])) * 4294967296 + (tonumber(redis.call('GET', KEYS[2])) or 0)"

    /// The read; optimistic watches the key first (a fresh WATCH per read).
    package var read: [[String]] { read(versioned: false) }

    /// The read, with the version tag when `versioned` (decode with `split`).
    package func read(versioned: Bool) -> [[String]] {
        let get = versioned ? ["EVAL", Self.versionedReadScript, "2", key, versionKey] : ["GET", key]
        return mode == .optimistic ? [["UNWATCH"], ["WATCH", key], get] : [get]
    }

    /// A versioned read's reply as (count, tag).
    package static func split(_ v: Int) -> (count: Int, version: Int) { (v >> 32, v & 0xffff_ffff) }

    /// The write of `count`: one command list whose last reply decides. `tag` (> 0) is
    /// written beside it in the same MSET, so no reader sees one without the other.
    package func write(count: Int, expected: Int?, tag: Int = 0) -> [[String]] {
        let set = tag > 0 ? ["MSET", key, "\(count)", versionKey, "\(tag)"] : ["SET", key, "\(count)"]
        switch mode {
        case .atomic: return [["EVAL", Self.decrementScript, "1", key]]
        case .transaction: return [["MULTI"], set, ["EXEC"]]
        case .optimistic:
            if expected == nil { return [["UNWATCH"], set] }
            return [["MULTI"], set, ["EXEC"]]
        default: return [set]
        }
    }

    package func acquire(token: String) -> [String] { ["SET", lockKey, token, "NX", "PX", "\(ttlMs)"] }
    package func release(token: String) -> [String] { ["EVAL", Self.releaseScript, "1", lockKey, token] }
}

/// Redis through hiredis (loaded with dlopen) as a buyer's store and lock.
package final class RedisStore: TicketStore, BuyerLock {
    private let target: EngineTarget
    private let commands: RedisCommands
    private let buyer: Int
    private var ctx: UnsafeMutableRawPointer?
    private var connectError: String?
    /// The runner's calls: every command ends by this (nil: a buyer's, unbounded).
    private var bound: tr_db_bound?
    /// How the bound ended the connection or the last command (TR_DB_UNANSWERED, TR_DB_INTERRUPTED), or 0.
    private var unanswered: Int32 = 0
    private let token: String
    package private(set) var version = 0
    package var installTag = 0
    /// The atomic script reads no version it could report; every other mode reads one.
    package var tracksVersions: Bool { commands.mode != .atomic }
    package private(set) var engineError: Int64?

    init(target: EngineTarget, mode: LockMode, buyer: Int, bound: tr_db_bound? = nil) {
        self.target = target
        self.buyer = buyer
        self.bound = bound
        commands = RedisCommands(mode: mode, key: target.name, ttlMs: target.ttlMs)
        token = "\(getpid())-\(buyer)"
        if var bound {
            var r = tr_db_result()
            ctx = tr_redis_connect_bounded(target.location, Int32(clamping: target.port), &bound, &r)
            if ctx == nil {
                unanswered = r.status == TR_DB_UNANSWERED || r.status == TR_DB_INTERRUPTED ? r.status : 0
                connectError = EngineReply(r, kind: .redis).message
            }
            return
        }
        var message = [CChar](repeating: 0, count: 240)
        ctx = tr_redis_connect(target.location, Int32(clamping: target.port), &message, Int32(message.count))
        if ctx == nil {
            connectError = cMessage(message)
            EngineStore.log(target, buyer: buyer, "redis: \(connectError ?? "")")
        }
    }

    deinit { if let ctx { tr_redis_close(ctx) } }

    private func run(_ argv: [String]) -> EngineReply {
        guard let ctx else { return EngineReply(status: .failed, code: EngineCode.redisFlag, message: connectError ?? "not connected") }
        var r = tr_db_result()
        var cStrings = argv.map { strdup($0) }
        defer { for p in cStrings { free(p) } }
        cStrings.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { argvPtr in
                if var bound { tr_redis_command_bounded(ctx, Int32(argv.count), argvPtr, &bound, &r) }
                else { tr_redis_command(ctx, Int32(argv.count), argvPtr, &r) }
            }
        }
        let reply = EngineReply(r, kind: .redis)
        unanswered = reply.unanswered
        return reply
    }

    /// Runs the list; the first failure or the last reply.
    private func run(_ list: [[String]]) -> EngineReply {
        var last = EngineReply(status: .ok)
        for argv in list {
            last = run(argv)
            if last.status != .ok { return last }
        }
        return last
    }

    private func fail(_ r: EngineReply) {
        engineError = r.code
        EngineStore.log(target, buyer: buyer, "redis: \(r.message)")
    }

    // MARK: BuyerLock

    package func open() -> Int32 { 0 }

    package func acquire() -> Int32 {
        guard commands.mode == .advisory else { return 0 }
        if connectError != nil { return EIO_CODE }
        // SET NX PX until it is ours: a dead holder's lock goes when its ttl runs out.
        while true {
            let r = run(commands.acquire(token: token))
            if r.status != .ok { fail(r); return EIO_CODE }
            if !r.isNil { return 0 }
            MonotonicClock.sleep(ns: 1_000_000)
        }
    }

    package func release() -> Int32 {
        guard commands.mode == .advisory, ctx != nil else { return 0 }
        let r = run(commands.release(token: token))
        return r.status == .ok ? 0 : EIO_CODE
    }

    package func commit(_ store: any TicketStore, count: Int, expected: Int?, report: (EventKind) -> Void, pause: () -> Void) -> CommitResult {
        report(.purchaseWrite)
        let r = run(commands.write(count: count, expected: expected, tag: installTag))
        if r.status != .ok {
            fail(r)
            return .failed(engineCode: r.code)
        }
        switch commands.mode {
        case .atomic:
            guard let row = r.row, row.0 >= 0 else { return .soldOut }
            return .decremented(to: row.0)
        case .optimistic where expected != nil, .transaction:
            // EXEC answers nil when a WATCHed key moved.
            if r.isNil { return .retry(.conflict) }
            report(.keyWrite)
            return .written(0)
        default:
            report(.keyWrite)
            return .written(0)
        }
    }

    // MARK: TicketStore

    package func read() -> StoreRead {
        if connectError != nil {
            engineError = EngineCode.redisFlag
            return .failed(errno: EIO_CODE)
        }
        let r = run(commands.read(versioned: tracksVersions))
        guard r.status == .ok, let row = r.row else {
            fail(r.status == .ok ? EngineReply(status: .failed, code: EngineCode.redisFlag, message: "no integer at \(target.name)") : r)
            return .failed(errno: EIO_CODE)
        }
        guard tracksVersions else { return .count(row.0) }
        (_, version) = RedisCommands.split(row.0)
        return .count(RedisCommands.split(row.0).count)
    }

    package func write(count: Int, version: Int?, pause: () -> Void) -> Int32 {
        // Called only when a file lock is the lock (commands of mode none): one SET or MSET.
        let r = run(RedisCommands(mode: .none, key: target.name).write(count: count, expected: nil, tag: installTag)[0])
        if r.status == .ok { return 0 }
        fail(r)
        return EIO_CODE
    }

    /// The runner's side: one connection for a few commands (before a fork or after
    /// reaping), all within `target.answerWithinNs`; throws when the server did not answer in time.
    package static func run(_ target: EngineTarget, _ list: [[String]]) throws(EngineUnanswered) -> EngineReply {
        let s = RedisStore(target: target, mode: .none, buyer: -1, bound: target.bound)
        var reply = EngineReply(status: .failed, code: EngineCode.redisFlag, message: s.connectError ?? "")
        if s.connectError == nil { reply = s.run(list) }
        if s.unanswered != 0 {
            let place = target.location.hasPrefix("/") ? target.location : "\(target.location):\(target.port)"
            throw target.unanswered(s.unanswered, server: "Redis", at: place)
        }
        return reply
    }
}

/// Redis' backend (descriptor: `EngineDescriptor.redis`): a fresh key per trial (and its `:lock`).
package enum RedisBackend: EngineBackend {
    package static func load(_ library: String?) -> String? { loaded { tr_redis_load(library, $0, $1) } }

    package static func storeName(tag: String, serial: Int) -> String { "ticketrush:\(tag):\(serial)" }

    package static func create(_ target: EngineTarget, tickets: Int, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        let r = try RedisStore.run(target, [["DEL", target.name, "\(target.name):lock", "\(target.name):version"], ["SET", target.name, "\(tickets)"]])
        return r.status == .ok ? nil : "redis: \(r.message)"
    }

    package static func finalRead(_ target: EngineTarget) throws(EngineUnanswered) -> StoreRead {
        let r = try RedisStore.run(target, [["GET", target.name]])
        return r.status == .ok ? r.row.map { .count($0.0) } ?? .failed(errno: ENOENT) : .failed(errno: EIO_CODE)
    }

    package static func drop(_ target: EngineTarget) throws(EngineUnanswered) {
        _ = try RedisStore.run(target, [["DEL", target.name, "\(target.name):lock", "\(target.name):version"]])
    }

    /// The Nth distinct maker (ARGV[2], from 0) of keys `ticketrush:MACHINE_PID_START:…`
    /// matching ARGV[1]: its pid (ARGV[3] = 1) or start time (2); -1 past the last.
    static let makerScript = """
        local seen, list = {}, {}
        for _, k in ipairs(redis.call('KEYS', ARGV[1])) do
          local p, s = string.match(k, '^ticketrush:%x+_(%d+)_(%d+):')
          if p and not seen[p .. '_' .. s] then seen[p .. '_' .. s] = true; table.insert(list, {tonumber(p), tonumber(s)}) end
        end
        table.sort(list, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
        local e = list[tonumber(ARGV[2]) + 1]
        if not e then return -1 end
        return e[tonumber(ARGV[3])]
        """
    /// Deletes every key starting with ARGV[1] (one maker's).
    static let deleteScript = "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do n = n + redis.call('DEL', k) end return n"

    /// Keys are `ticketrush:MACHINE_PID_START:SERIAL` (EngineTrial): a maker whose pid and
    /// start time were read apart could mismatch, but then names no key (none is deleted).
    package static func sweep(_ target: EngineTarget, machine: String, isGone: (Int32, UInt64) -> Bool) {
        guard machine.allSatisfy({ $0.isHexDigit }) else { return }
        var offset = 0
        while offset < 10_000 {
            func field(_ n: Int) -> Int? {
                // A server that does not answer ends the sweep (the trial's own calls then say so).
                guard let r = try? RedisStore.run(target, [["EVAL", makerScript, "0", "ticketrush:\(machine)_*", "\(offset)", "\(n)"]]) else { return nil }
                return r.status == .ok ? r.row.map(\.0).flatMap { $0 >= 0 ? $0 : nil } : nil
            }
            guard let pid = field(1), let start = field(2), let p = Int32(exactly: pid), let s = UInt64(exactly: start) else { return }
            guard isGone(p, s) else { offset += 1; continue }
            guard let r = try? RedisStore.run(target, [["EVAL", deleteScript, "0", "ticketrush:\(machine)_\(pid)_\(start):"]]) else { return }
            if r.status != .ok { offset += 1 }
        }
    }

    package static func connect(_ target: EngineTarget, mode: LockMode, buyer: Int) -> any TicketStore & BuyerLock {
        RedisStore(target: target, mode: mode, buyer: buyer)
    }
}
