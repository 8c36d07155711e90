/// Which statements a PostgreSQL buyer sends only read (docs/programs.md, "Network stores
/// under syscalls"): two such steps of different buyers commute, so DPOR runs one order of
/// them. Conservative: whatever is not recognised writes, which is always sound.
enum PgReadOnly {
    /// `body` holds the SQL up to its NUL. Reads: `BEGIN` / `START TRANSACTION` (PostgreSQL
    /// takes the snapshot at the first statement after it, not at it) and a plain `SELECT`
    /// — no locking clause (`FOR UPDATE`/`SHARE`), no `INTO`, no parentheses (a function
    /// such as `pg_advisory_lock` or `nextval` may write), no second statement or comment.
    /// A SQL text cut short (no NUL within the bytes kept) writes.
    static func sql(_ body: ArraySlice<UInt8>) -> Bool {
        guard let end = body.firstIndex(of: 0) else { return false }
        let sql = String(decoding: body[body.startIndex..<end], as: UTF8.self)
        if sql.contains(where: { ";()'\"$".contains($0) }) || sql.contains("--") || sql.contains("/*") { return false }
        let words = sql.uppercased().split(whereSeparator: \.isWhitespace)
        switch words.first {
        case "BEGIN": return true
        case "START": return words.count > 1 && words[1] == "TRANSACTION"
        case "SELECT": return !words.contains { $0 == "FOR" || $0 == "INTO" }
        default: return false
        }
    }
}
