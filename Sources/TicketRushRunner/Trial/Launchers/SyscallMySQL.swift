/// The MySQL client/server protocol as a client sends it on one connection (docs/programs.md,
/// "Network stores under syscalls"), followed across sends: packets of a 3-byte little-endian
/// length, a sequence id, then the payload. A command starts a new exchange (sequence id 0);
/// of those, COM_QUERY (0x03) and COM_STMT_EXECUTE (0x17) run SQL and are steps. The
/// handshake response and authentication packets (sequence > 0), COM_STMT_PREPARE, COM_PING,
/// COM_QUIT and the rest run at once. So do the `SET …` statements a connection sends before
/// its first other statement (the client's session setup: no transaction is open then, no
/// row read or locked), so a client's connect adds no steps of its own.
struct MySQLStream {
    /// A header cut by a send boundary.
    var header: [UInt8] = []
    /// Payload bytes of the current packet still to come.
    var remaining = 0
    var sequence: UInt8 = 0
    /// The current packet's first payload bytes (the command byte, then the SQL).
    var payload: [UInt8] = []
    /// A statement other than a session `SET` was sent: every statement is a step from then on.
    var started = false

    static let query: UInt8 = 0x03, execute: UInt8 = 0x17

    /// Takes one send; returns the statements (as the story shows them) it completes, nil
    /// when it completes none that is a step.
    mutating func feed(_ bytes: [UInt8]) -> String? {
        var done: [String] = []
        var i = 0
        while i < bytes.count {
            if remaining > 0 {
                let take = min(remaining, bytes.count - i)
                if payload.count < 4096 { payload += bytes[i..<(i + min(take, 4096 - payload.count))] }
                remaining -= take
                i += take
                if remaining == 0, let s = finish() { done.append(s) }
                continue
            }
            let take = min(4 - header.count, bytes.count - i)
            header += bytes[i..<(i + take)]
            i += take
            guard header.count == 4 else { continue }
            remaining = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16
            sequence = header[3]
            payload = []
            header = []
            if remaining == 0, let s = finish() { done.append(s) }
        }
        return done.isEmpty ? nil : done.joined(separator: "; ")
    }

    /// The packet just completed: a statement's text when it is a step.
    private mutating func finish() -> String? {
        guard sequence == 0, let command = payload.first else { return nil }
        switch command {
        case Self.query:
            let sql = String(decoding: payload.dropFirst(), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
            let words = sql.split(separator: " ").prefix(2).map { $0.uppercased() }
            // SET AUTOCOMMIT = 1 commits an open transaction: only before the first statement.
            if !started, words.first == "SET" { return nil }
            started = true
            return sql.count > 120 ? String(sql.prefix(117)) + "…" : sql
        case Self.execute:
            started = true
            return "(a prepared statement)"
        default:
            return nil
        }
    }
}
