#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// A workload's Redis commands (docs/workloads.md), as pure functions. seats and limit:
/// one hash at `key`, fields `v<k>` (the value) and `t<k>` (its tag); rows: a list at
/// `key`, one element per booking, its tag (the holder is tag / 1024).
package struct RedisWorkloadCommands: Sendable {
    package var key: String
    package var workload: Workload

    package init(key: String, workload: Workload) {
        self.key = key
        self.workload = workload
    }

    package func value(_ k: Int) -> [String] { ["HGET", key, "v\(k)"] }
    package func tag(_ k: Int) -> [String] { ["HGET", key, "t\(k)"] }
    package var countRows: [String] { ["LLEN", key] }
    package func rowTag(_ i: Int) -> [String] { ["LINDEX", key, "\(i)"] }
    package func write(_ k: Int, value: Int, tag: Int) -> [String] { ["HSET", key, "v\(k)", "\(value)", "t\(k)", "\(tag)"] }
    package func insert(tag: Int) -> [String] { ["RPUSH", key, "\(tag)"] }

    /// atomic: the purchase as one Lua script, alone on the server; 1 = bought, 0 = not.
    package func conditional(_ purchase: ConditionalPurchase, tag: Int) -> [String] {
        switch purchase {
        case .seat(let k, let owner):
            return ["EVAL", "if redis.call('HGET', KEYS[1], 'v' .. ARGV[1]) == '0' then redis.call('HSET', KEYS[1], 'v' .. ARGV[1], ARGV[2], 't' .. ARGV[1], ARGV[3]) return 1 end return 0",
                    "1", key, "\(k)", "\(owner)", "\(tag)"]
        case .limit(let k, let customer, let limit):
            let sections = workload.keyCount / max(customers, 1)
            return ["EVAL", "local s = 0 for i = 0, tonumber(ARGV[5]) - 1 do s = s + tonumber(redis.call('HGET', KEYS[1], 'v' .. (tonumber(ARGV[4]) + i))) end "
                        + "if s < tonumber(ARGV[3]) then redis.call('HINCRBY', KEYS[1], 'v' .. ARGV[1], 1) redis.call('HSET', KEYS[1], 't' .. ARGV[1], ARGV[2]) return 1 end return 0",
                    "1", key, "\(k)", "\(tag)", "\(limit)", "\(1 + customer * sections)", "\(sections)"]
        case .row(_, let capacity):
            return ["EVAL", "if redis.call('LLEN', KEYS[1]) < tonumber(ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[2]) return 1 end return 0",
                    "1", key, "\(capacity)", "\(tag)"]
        }
    }

    private var customers: Int {
        if case .limit(_, _, let c) = workload { return c }
        return 1
    }

    /// The runner's first state: every key at 0 with tag 0 (rows: an empty list).
    package var create: [[String]] {
        let drop = ["DEL", key, "\(key):lock"]
        if workload.kind == .rows { return [drop] }
        return [drop, ["HSET", key] + (1...workload.keyCount).flatMap { ["v\($0)", "0", "t\($0)", "0"] }]
    }
}

/// Redis as a workload buyer's store: `optimistic` watches the hash (or list) before its
/// reads and writes in MULTI/EXEC (a nil EXEC: conflict, retried); `transaction` wraps the
/// write alone in MULTI/EXEC (the reads race); `advisory` holds `key:lock` (SET NX PX) from
/// begin to commit; `atomic` is one Lua script.
package final class RedisWorkloadStore: WorkloadStore {
    private let target: EngineTarget
    private let mode: LockMode
    private let commands: RedisWorkloadCommands
    private let buyer: Int
    private let token: String
    private var ctx: UnsafeMutableRawPointer?
    private var watching = false
    private var locked = false

    package init(target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) {
        self.target = target
        self.mode = mode
        self.buyer = buyer
        commands = RedisWorkloadCommands(key: target.name, workload: workload)
        token = "\(getpid())-\(buyer)"
        var message = [CChar](repeating: 0, count: 240)
        ctx = tr_redis_connect(target.location, Int32(clamping: target.port), &message, Int32(message.count))
        if ctx == nil { EngineStore.log(target, buyer: buyer, "redis: \(cMessage(message))") }
    }

    deinit { if let ctx { tr_redis_close(ctx) } }

    private func run(_ argv: [String]) -> EngineReply {
        guard let ctx else { return EngineReply(status: .failed, code: EngineCode.redisFlag, message: "not connected") }
        var r = tr_db_result()
        var cStrings = argv.map { strdup($0) }
        defer { for p in cStrings { free(p) } }
        cStrings.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { tr_redis_command(ctx, Int32(argv.count), $0, &r) }
        }
        return EngineReply(r, kind: .redis)
    }

    /// The reply's status, a failure logged.
    private func check(_ r: EngineReply) -> WorkloadStatus {
        guard r.status != .ok else { return .ok }
        EngineStore.log(target, buyer: buyer, "redis: \(r.message)")
        return .failed(code: r.code)
    }

    /// optimistic: WATCH before the attempt's first read.
    private func watch() -> WorkloadStatus {
        guard mode == .optimistic, !watching else { return .ok }
        watching = true
        return check(run(["WATCH", target.name]))
    }

    package func begin() -> WorkloadStatus {
        guard ctx != nil else { return .failed(code: EngineCode.redisFlag) }
        guard mode == .advisory else { return .ok }
        // SET NX PX until it is ours: a dead holder's lock goes when its ttl runs out.
        while true {
            let r = run(["SET", "\(target.name):lock", token, "NX", "PX", "\(target.ttlMs)"])
            if r.status != .ok { return check(r) }
            if !r.isNil { locked = true; return .ok }
            MonotonicClock.sleep(ns: 1_000_000)
        }
    }

    package func read(key: Int) -> (WorkloadStatus, value: Int, tag: Int) {
        if case let s = watch(), s != .ok { return (s, 0, 0) }
        let v = run(commands.value(key))
        if case let s = check(v), s != .ok { return (s, 0, 0) }
        let t = run(commands.tag(key))
        if case let s = check(t), s != .ok { return (s, 0, 0) }
        return (.ok, v.row?.0 ?? 0, t.row?.0 ?? 0)
    }

    package func countRows() -> (WorkloadStatus, count: Int) {
        if case let s = watch(), s != .ok { return (s, 0) }
        let r = run(commands.countRows)
        return (check(r), r.row?.0 ?? 0)
    }

    package func rowTag(_ index: Int) -> (WorkloadStatus, tag: Int) {
        let r = run(commands.rowTag(index))
        return (check(r), r.row?.0 ?? 0)
    }

    package func write(key: Int, value: Int, tag: Int, pause: () -> Void) -> WorkloadStatus {
        transact(commands.write(key, value: value, tag: tag))
    }

    package func insert(holder: Int, tag: Int, pause: () -> Void) -> WorkloadStatus {
        transact(commands.insert(tag: tag))
    }

    /// The write: in MULTI/EXEC for optimistic and transaction (a nil EXEC: a watched key moved).
    private func transact(_ argv: [String]) -> WorkloadStatus {
        guard mode == .optimistic || mode == .transaction else { return check(run(argv)) }
        for c in [["MULTI"], argv] {
            if case let s = check(run(c)), s != .ok { return s }
        }
        let exec = run(["EXEC"])
        watching = false
        if exec.status == .ok, exec.isNil { return .retry(.conflict) }
        return check(exec)
    }

    package func commit() -> WorkloadStatus {
        rollback()
        return .ok
    }

    /// Ends the attempt: unwatches, gives the advisory lock up (compare-and-delete).
    package func rollback() {
        if watching {
            _ = run(["UNWATCH"])
            watching = false
        }
        if locked {
            _ = run(["EVAL", RedisCommands.releaseScript, "1", "\(target.name):lock", token])
            locked = false
        }
    }

    package func conditional(_ purchase: ConditionalPurchase, tag: Int) -> (WorkloadStatus, applied: Bool) {
        let r = run(commands.conditional(purchase, tag: tag))
        let s = check(r)
        return (s, s == .ok && (r.row?.0 ?? 0) == 1)
    }
}

extension RedisBackend {
    package static func createWorkload(_ target: EngineTarget, _ workload: Workload, storage: StorageConfig) throws(EngineUnanswered) -> String? {
        let r = try RedisStore.run(target, RedisWorkloadCommands(key: target.name, workload: workload).create)
        return r.status == .ok ? nil : "redis: \(r.message)"
    }

    /// One short-lived connection per command (`RedisStore.run`): a few keys, after reaping.
    package static func readWorkload(_ target: EngineTarget, _ workload: Workload) throws(EngineUnanswered) -> WorkloadState? {
        let c = RedisWorkloadCommands(key: target.name, workload: workload)
        func integer(_ argv: [String]) throws(EngineUnanswered) -> Int? {
            let r = try RedisStore.run(target, [argv])
            return r.status == .ok ? r.row?.0 : nil
        }
        if workload.kind == .rows {
            guard let n = try integer(c.countRows) else { return nil }
            var rows: [Int] = []
            for i in 0..<n {
                guard let tag = try integer(c.rowTag(i)) else { return nil }
                rows.append(tag / 1024)
            }
            return WorkloadState(rows: rows)
        }
        var values: [Int] = []
        for k in 1...workload.keyCount {
            guard let v = try integer(c.value(k)) else { return nil }
            values.append(v)
        }
        return WorkloadState(values: values)
    }

    package static func connectWorkload(_ target: EngineTarget, mode: LockMode, buyer: Int, workload: Workload) -> any WorkloadStore {
        RedisWorkloadStore(target: target, mode: mode, buyer: buyer, workload: workload)
    }
}
