/// Redis commands on one connection, as a client sends them (RESP arrays of bulk strings, or
/// an inline command line), followed across sends (docs/programs.md, "Network stores under
/// syscalls"). Each completed command is part of a step.
struct RespStream {
    /// Bytes of a command not complete yet.
    var pending: [UInt8] = []
    /// The stream stopped making sense (not RESP, or a command over 1 MiB): nothing more is parsed.
    var lost = false

    /// Commands that only read the data: they commute with each other.
    static let reads: Set<String> = ["GET", "MGET", "EXISTS", "STRLEN", "GETRANGE", "HGET", "HMGET", "HGETALL", "HEXISTS", "HLEN",
                                     "LRANGE", "LLEN", "SMEMBERS", "SISMEMBER", "SCARD", "ZRANGE", "ZSCORE", "ZCARD", "TTL", "PTTL", "TYPE"]

    /// Takes one send; returns the commands it completes (as the story shows them) and whether
    /// all of them only read; nil when it completes none.
    mutating func feed(_ bytes: [UInt8]) -> (text: String, readOnly: Bool)? {
        pending += bytes
        var done: [[String]] = []
        var at = 0
        while !lost, at < pending.count, let (words, used) = command(at) {
            if !words.isEmpty { done.append(words) }
            at += used
        }
        pending.removeFirst(at)
        if pending.count > 1 << 20 { lost = true }
        guard !done.isEmpty else { return nil }
        let text = done.map { words in words.map { $0.count > 40 ? String($0.prefix(37)) + "…" : $0 }.joined(separator: " ") }.joined(separator: "; ")
        return (text, done.allSatisfy { Self.reads.contains($0.first?.uppercased() ?? "") })
    }

    /// The command starting at `from`, and the bytes it takes; nil when it is not complete
    /// yet (or the stream is lost).
    private mutating func command(_ from: Int) -> ([String], Int)? {
        guard let (first, afterFirst) = line(from) else { return nil }
        guard first.first == UInt8(ascii: "*") else {
            // An inline command: words separated by spaces.
            let words = String(decoding: first, as: UTF8.self).split(separator: " ").map(String.init)
            return (words, afterFirst - from)
        }
        guard let count = Int(String(decoding: first.dropFirst(), as: UTF8.self)), count >= 0, count <= 1 << 20 else {
            lost = true
            return nil
        }
        var words: [String] = []
        var at = afterFirst
        for _ in 0..<count {
            guard let (header, afterHeader) = line(at) else { return nil }
            guard header.first == UInt8(ascii: "$"), let length = Int(String(decoding: header.dropFirst(), as: UTF8.self)), length >= 0 else {
                lost = true
                return nil
            }
            guard afterHeader + length + 2 <= pending.count else { return nil }
            words.append(String(decoding: pending[afterHeader..<(afterHeader + min(length, 64))], as: UTF8.self))
            at = afterHeader + length + 2
        }
        return (words, at - from)
    }

    /// The line at `from` without its CRLF, and where the next begins; nil until it is whole.
    private func line(_ from: Int) -> (ArraySlice<UInt8>, Int)? {
        var i = from
        while i + 1 < pending.count {
            if pending[i] == 13, pending[i + 1] == 10 { return (pending[from..<i], i + 2) }
            i += 1
        }
        return nil
    }
}
