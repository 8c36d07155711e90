#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines
import TicketRushProcess

/// `control: syscalls` on PostgreSQL or Redis (docs/programs.md, "Network stores under
/// syscalls"): a buyer's sends of a Query, or of an extended-protocol batch up to its Sync,
/// or of a Redis command, to the run's server are its steps. The server's connections are
/// known by their socket inode, learnt at `connect` to the server's Unix socket; everything
/// else on them (startup, authentication, Terminate, every receive) runs at once. A buyer
/// whose granted statement waits on another buyer is blocked, as the PostgreSQL server says
/// (PostgresBlockedWatch): not runnable until it moves. Redis runs each command alone.
/// MariaDB: a COM_QUERY or COM_STMT_EXECUTE is a step (MySQLStream); blocked as the server
/// says of the connections of the buyer's processes (MariaDBBlockedWatch).
final class SyscallNetwork {
    let redis: Bool
    let mysql: Bool
    /// The server's Unix socket (`DIR/.s.PGSQL.PORT`, Redis's socket file).
    let socketPath: String
    let conninfo: String
    /// Every buyer's backend is named `prefix` + its number (PGAPPNAME, Launch).
    let prefix: String
    /// The frontend stream of each of the server's connections, by socket inode.
    var streams: [UInt64: PgFrontendStream] = [:]
    var commands: [UInt64: RespStream] = [:]
    var packets: [UInt64: MySQLStream] = [:]
    /// MariaDB: each buyer's processes that connected to the server (what `_pid` names).
    var clients: [Int: Set<Int32>] = [:]
    /// Buyers whose last grant was a statement (they may be blocked on the server).
    var outstanding: Set<Int> = []
    private var watch: PostgresBlockedWatch?
    private var mariaWatch: MariaDBBlockedWatch?

    /// What the story adds to a statement that waits on another buyer.
    static let blockedMark = " → blocked"
    /// Held calls on sockets: the filter's connect and sendto (write and writev are file calls' too).
    static let connect: Int32 = 42, sendto: Int32 = 44

    /// A name no other run on the server shares: runner, trial, a count of this runner's launches.
    nonisolated(unsafe) private static var launches = 0

    /// `conninfo`: a PostgreSQL conninfo, or (`redis`) Redis's `unix:///SOCKET`; nil when it
    /// names no Unix socket.
    /// (`mysql`) a MariaDB URL with `?socket=`.
    init?(conninfo: String, trial: Int, redis: Bool = false, mysql: Bool = false) {
        self.redis = redis
        self.mysql = mysql
        let maria = MariaDBAddress(url: conninfo).socket
        let socket = mysql ? (maria.isEmpty ? nil : maria)
            : redis ? (conninfo.hasPrefix("unix:///") ? String(conninfo.dropFirst("unix://".count)) : nil) : Self.socketPath(conninfo: conninfo)
        guard let path = socket else { return nil }
        socketPath = path
        self.conninfo = conninfo
        Self.launches += 1
        prefix = "ticketrush-\(getpid())-\(trial + 1)-\(Self.launches)-b"
    }

    /// `host=/dir port=N` of a conninfo: the socket libpq connects to; nil without a host
    /// that is a folder (TCP, or a URL: the runner could not tell its connections).
    static func socketPath(conninfo: String) -> String? {
        var host: String?
        var port = "5432"
        for word in conninfo.split(separator: " ") {
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "host" { host = pair[1] }
            if pair[0] == "port" { port = pair[1] }
        }
        guard let host, host.hasPrefix("/") else { return nil }
        return "\(host)/.s.PGSQL.\(port)"
    }

    /// What a held call is when it concerns the server: nil when it does not (the file
    /// classifier decides), `.pass` to let it run, or a statement step.
    func classify(_ n: Seccomp.Notification, listener: Int32, buyer: Int = -1) -> SyscallStep? {
        let fd = Int32(truncatingIfNeeded: n.args[0])
        if n.nr == Self.connect {
            if connectsToServer(n), let inode = Self.socketInode(n.tid, fd) {
                if mysql {
                    packets[inode] = MySQLStream()
                    if let pid = Self.processOf(n.tid) { clients[buyer, default: []].insert(pid) }
                } else if redis { commands[inode] = RespStream() } else { streams[inode] = PgFrontendStream() }
            }
            return .pass
        }
        guard [SyscallNumber.write, SyscallNumber.writev, Self.sendto].contains(n.nr) else { return nil }
        guard let inode = Self.socketInode(n.tid, fd), streams[inode] != nil || commands[inode] != nil || packets[inode] != nil else { return nil }
        let read = Self.sent(n)
        // What was read belongs to this call only while the call still waits (else its caller is gone).
        guard Seccomp.isValid(listener, n.id) else { return .pass }
        // A send the runner cannot read would run uncontrolled: stop rather than guess.
        guard let bytes = read else { return .refuse("what it sends to the server could not be read from its memory (/proc/PID/mem)") }
        if packets[inode] != nil {
            guard let statement = packets[inode]!.feed(bytes) else { return .pass }
            return .step(.write, SyscallCall(kind: .statement, name: statement, fd: fd))
        }
        if commands[inode] != nil {
            guard let sent = commands[inode]!.feed(bytes) else {
                return commands[inode]!.lost ? .refuse("its Redis connection sent bytes that are not RESP commands") : .pass
            }
            return .step(sent.readOnly ? .read : .write, SyscallCall(kind: .statement, name: sent.text, fd: fd))
        }
        guard let statement = streams[inode]!.feed(bytes) else {
            if streams[inode]!.lost { return .refuse("its PostgreSQL connection sent bytes that are not the frontend protocol") }
            return .pass
        }
        return .step(streams[inode]!.lastReadOnly ? .read : .write, SyscallCall(kind: .statement, name: statement, fd: fd))
    }

    private func connectsToServer(_ n: Seccomp.Notification) -> Bool {
        let length = Int(min(n.args[2], 110))
        guard length > 2, let address = Seccomp.readMemory(n.tid, at: n.args[1], count: length), address.count == length else { return false }
        guard address[0] == UInt8(AF_UNIX), address[1] == 0 else { return false }
        let path = String(decoding: address[2...].prefix { $0 != 0 }, as: UTF8.self)
        return path == socketPath
    }

    /// The process (thread group) of thread `tid`: what a client sends as `_pid`.
    static func processOf(_ tid: pid_t) -> Int32? {
        guard let bytes = SyscallProc.readBytes("/proc/\(tid)/status") else { return nil }
        let status = String(decoding: bytes, as: UTF8.self)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Tgid:") }) else { return nil }
        return Int32(line.dropFirst("Tgid:".count).filter(\.isNumber))
    }

    /// The inode of the socket descriptor `fd` of thread `tid` ("socket:[N]"); nil otherwise.
    static func socketInode(_ tid: pid_t, _ fd: Int32) -> UInt64? {
        guard fd >= 0, let link = SyscallProc.link("/proc/\(tid)/fd/\(fd)"), link.hasPrefix("socket:[") else { return nil }
        return UInt64(link.dropFirst("socket:[".count).dropLast())
    }

    /// The bytes a write, writev or sendto is about to send (at most 1 MiB).
    static func sent(_ n: Seccomp.Notification) -> [UInt8]? {
        let limit: UInt64 = 1 << 20
        func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }
        func vector(_ address: UInt64, _ count: UInt64) -> [UInt8]? {
            guard count <= 1024, let iov = Seccomp.readMemory(n.tid, at: address, count: Int(count) * 16), iov.count == Int(count) * 16 else { return nil }
            var out: [UInt8] = []
            for i in 0..<Int(count) {
                let length = min(u64(iov, i * 16 + 8), limit)
                guard let part = Seccomp.readMemory(n.tid, at: u64(iov, i * 16), count: Int(length)), part.count == Int(length) else { return nil }
                out += part
            }
            return out
        }
        switch n.nr {
        case SyscallNumber.writev:
            return vector(n.args[1], n.args[2])
        default:
            let length = Int(min(n.args[2], limit))
            guard let bytes = Seccomp.readMemory(n.tid, at: n.args[1], count: length), bytes.count == length else { return nil }
            return bytes
        }
    }

    /// Whether every buyer in `waiting` (neither parked nor gone) waits on another buyer, as
    /// the server says. Asked only when each of them was last granted a statement: one that
    /// runs will reach its next held call by itself.
    func allBlocked(_ waiting: [Int]) throws(PostgresSessions.Failure) -> Bool {
        guard !redis, !waiting.isEmpty, waiting.allSatisfy(outstanding.contains) else { return false }
        if mysql { return try mariaBlocked(waiting) }
        if watch == nil { watch = try PostgresBlockedWatch(conninfo: conninfo) }
        let names = try watch!.blocked(prefix: prefix)
        return waiting.allSatisfy { names.contains(prefix + String($0 + 1)) }
    }

    /// The runner's connection closed (each trial has its own: a server stopped at the run's
    /// end never waits for it).
    func close() {
        watch = nil
        mariaWatch = nil
    }

    private func mariaBlocked(_ waiting: [Int]) throws(PostgresSessions.Failure) -> Bool {
        do {
            if mariaWatch == nil { mariaWatch = try MariaDBBlockedWatch(url: conninfo) }
            let pids = waiting.reduce(into: Set<Int32>()) { $0.formUnion(clients[$1] ?? []) }
            let blocked = try mariaWatch!.blocked(pids: pids)
            return waiting.allSatisfy { !(clients[$0] ?? []).isDisjoint(with: blocked) }
        } catch {
            throw PostgresSessions.Failure(description: error.description)
        }
    }
}

/// PostgreSQL's frontend messages on one connection, followed across sends: the first ones
/// untyped (SSL/GSS requests, the startup packet), then a type byte and a length each.
struct PgFrontendStream {
    var startup = true
    /// A header cut by a send boundary.
    var header: [UInt8] = []
    var type: UInt8 = 0
    /// Body bytes of the current message still to come.
    var remaining = 0
    /// The current message's first body bytes (the SQL of a Query or Parse).
    var body: [UInt8] = []
    /// The SQL of the last Parse since the last Sync.
    var parsed: [String] = []
    /// The stream stopped making sense (a length out of range): nothing more is parsed.
    var lost = false
    /// Whether every statement of the step `feed` last returned only reads (`PgReadOnly`):
    /// such a step commutes with another buyer's read; anything else conflicts with all.
    private(set) var lastReadOnly = false
    /// The batch since the last Sync: statement names it parsed, and whether all it runs reads.
    var batchNames: Set<String> = []
    var batchReadOnly = true
    /// Set by `finish` for the Query or Sync it returns.
    var unitReadOnly = false

    /// Takes one send; returns the statements (as the story shows them) when it completes a
    /// Query or a Sync: the send that lets the server run them.
    mutating func feed(_ bytes: [UInt8]) -> String? {
        var done: [String] = []
        var reads = true
        defer { if !done.isEmpty { lastReadOnly = reads } }
        var i = 0
        while i < bytes.count, !lost {
            if remaining > 0 {
                let take = min(remaining, bytes.count - i)
                if body.count < 4096 { body += bytes[i..<(i + min(take, 4096 - body.count))] }
                remaining -= take
                i += take
                if remaining == 0, let s = finish() {
                    done.append(s)
                    reads = reads && unitReadOnly
                }
                continue
            }
            let need = startup ? 8 : 5
            let take = min(need - header.count, bytes.count - i)
            header += bytes[i..<(i + take)]
            i += take
            guard header.count == need else { continue }
            let at = startup ? 0 : 1
            let length = Int(header[at]) << 24 | Int(header[at + 1]) << 16 | Int(header[at + 2]) << 8 | Int(header[at + 3])
            guard length >= (startup ? 8 : 4), length < 1 << 30 else {
                lost = true
                break
            }
            type = startup ? 0 : header[0]
            body = startup ? Array(header[4..<8]) : []
            remaining = length - (startup ? 8 : 4)
            header = []
            if remaining == 0, let s = finish() {
                done.append(s)
                reads = reads && unitReadOnly
            }
        }
        return done.isEmpty ? nil : done.joined(separator: "; ")
    }

    /// The message just completed: a statement's text when it is a Query or a Sync.
    private mutating func finish() -> String? {
        func text(_ b: ArraySlice<UInt8>) -> String {
            let sql = String(decoding: b.prefix { $0 != 0 }, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
            return sql.count > 120 ? String(sql.prefix(117)) + "…" : sql
        }
        switch type {
        case 0:
            // SSLRequest, GSSENCRequest and CancelRequest are followed by another untyped one.
            let code = body.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            startup = [80_877_103, 80_877_104, 80_877_102].contains(code)
            return nil
        case UInt8(ascii: "Q"):
            unitReadOnly = PgReadOnly.sql(body[...])
            return text(body[...])
        case UInt8(ascii: "P"):
            // Parse: the statement's name, then its SQL.
            let afterName = (body.firstIndex(of: 0) ?? body.count - 1) + 1
            parsed.append(afterName < body.count ? text(body[afterName...]) : "")
            batchNames.insert(String(decoding: body.prefix { $0 != 0 }, as: UTF8.self))
            batchReadOnly = batchReadOnly && afterName < body.count && PgReadOnly.sql(body[afterName...])
            return nil
        case UInt8(ascii: "B"):
            // Bind: the portal's name, then the statement's; one this batch did not parse
            // (prepared earlier) is not known here, so the batch writes.
            let afterPortal = (body.firstIndex(of: 0) ?? body.count - 1) + 1
            let name = afterPortal < body.count ? body[afterPortal...].prefix { $0 != 0 } : []
            if afterPortal >= body.count || !batchNames.contains(String(decoding: name, as: UTF8.self)) { batchReadOnly = false }
            return nil
        case UInt8(ascii: "S"):
            defer { parsed = []; batchNames = []; batchReadOnly = true }
            unitReadOnly = !parsed.isEmpty && batchReadOnly
            return parsed.isEmpty ? "(a prepared statement)" : parsed.joined(separator: "; ")
        case UInt8(ascii: "D"), UInt8(ascii: "E"), UInt8(ascii: "C"), UInt8(ascii: "H"), UInt8(ascii: "p"), UInt8(ascii: "X"):
            return nil
        default:
            // A function call, COPY data or anything else in a batch: not a read.
            batchReadOnly = false
            return nil
        }
    }
}
