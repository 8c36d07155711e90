import TicketRushModel
import TicketRushEngines

/// A schedule's printable form, `S1.3fa94c10.112`: the layout version, a fingerprint of
/// the scenario's shape, and the buyers granted in order (1-based: 1-9, a-z = 10-35,
/// A-Z = 36-61, {N} beyond; `b~N` is b granted N times). Past the end the tail rule
/// finishes the run: keep granting the last buyer while it is enabled, else the
/// lowest-numbered enabled buyer — so a cut-off string stays short and adds no preemption.
public struct ScheduleString: Equatable, Sendable, CustomStringConvertible {
    /// Bumped whenever the gates a buyer passes change: old strings then mean other steps.
    public static let layoutVersion = 1

    public var fingerprint: UInt32
    /// 0-based buyers, in grant order.
    public var choices: [Int]

    public init(fingerprint: UInt32, choices: [Int]) {
        self.fingerprint = fingerprint
        self.choices = choices
    }

    public var description: String { text }

    public var text: String {
        var body = ""
        var i = 0
        var afterCount = false
        while i < choices.count {
            var j = i
            while j < choices.count, choices[j] == choices[i] { j += 1 }
            let run = j - i
            // Right after a run-length a digit would extend its count ("1~8" "2" is not
            // "1~82"): that buyer is written {N}, which the parser already reads.
            let symbol = afterCount && choices[i] < 9 ? "{\(choices[i] + 1)}" : Self.symbol(choices[i])
            body += run >= 8 ? "\(symbol)~\(run)" : symbol + String(repeating: Self.symbol(choices[i]), count: run - 1)
            afterCount = run >= 8
            i = j
        }
        return "S\(Self.layoutVersion).\(Self.hex(fingerprint)).\(body)"
    }

    /// The buyer's symbol (0-based in, 1-based out).
    public static func symbol(_ buyer: Int) -> String {
        let n = buyer + 1
        if n <= 9 { return String(n) }
        if n <= 35 { return String(UnicodeScalar(UInt8(ascii: "a") + UInt8(n - 10))) }
        if n <= 61 { return String(UnicodeScalar(UInt8(ascii: "A") + UInt8(n - 36))) }
        return "{\(n)}"
    }

    /// Why a schedule string cannot be used.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The most choices any string may expand to, whatever the scenario: a run-length is
    /// checked against it before anything is allocated (`1~99999999999` is 11 bytes).
    public static let maxChoices = 1 << 22

    /// The most grants one controlled run of `s` can make: every grant lets a buyer pass a
    /// gate and report at least one event, and a run stops at the runner's event limit
    /// (`TrialRunner.eventLimit` plus the controlled runner's 64 per task). A replay string
    /// longer than this cannot be replayed, so it is refused before it is expanded.
    public static func grantLimit(_ s: Scenario) -> Int {
        let retrying = s.lock.mode == .optimistic || (s.storage.kind.isDatabase && s.lock.mode != .none)
        let perTask = 16 + 64 + (retrying ? min(s.lock.retries, 1_000_000) * 8 : 0)
        let (tasks, o1) = max(s.buyers.count, 1).multipliedReportingOverflow(by: max(s.buyers.wants, 1))
        let (steps, o2) = tasks.multipliedReportingOverflow(by: perTask)
        if o1 || o2 { return maxChoices }
        return min(maxChoices, steps + 8 * max(s.buyers.count, 1) + 1024)
    }

    /// Reads a schedule string for `s`: its buyers, and no more choices than a run of it can grant.
    public static func parse(_ text: String, for s: Scenario) throws(ParseError) -> ScheduleString {
        try parse(text, buyers: s.buyers.count, limit: grantLimit(s))
    }

    /// Reads a schedule string; `buyers` (when known) rejects a buyer the scenario does not
    /// have, and `limit` caps the expanded choices (never above `maxChoices`).
    public static func parse(_ text: String, buyers: Int? = nil, limit: Int = maxChoices) throws(ParseError) -> ScheduleString {
        let limit = min(limit, maxChoices)
        // Shown with control and bidi characters escaped: a pasted line break must not
        // start a line of its own in the message.
        let shown = visible(text)
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].hasPrefix("S") else {
            throw ParseError(description: "'\(shown)' is not a schedule string: expected S\(layoutVersion).FINGERPRINT.CHOICES, e.g. S1.3fa94c10.112")
        }
        guard Int(parts[0].dropFirst()) == layoutVersion else {
            throw ParseError(description: "schedule string layout '\(visible(String(parts[0])))' is not S\(layoutVersion), the layout this build writes")
        }
        guard parts[1].count == 8, let fingerprint = UInt32(parts[1], radix: 16) else {
            throw ParseError(description: "schedule string fingerprint '\(visible(String(parts[1])))' must be 8 hex digits")
        }
        var choices: [Int] = []
        let body = Array(parts[2].unicodeScalars)
        var i = 0
        func fail(_ why: String) -> ParseError {
            ParseError(description: "schedule string '\(shown)', choice \(choices.count + 1) (character \(i + 1) of '\(visible(String(parts[2])))'): \(why)")
        }
        while i < body.count {
            let start = i
            let c = body[i]
            var n: Int
            switch c {
            case "1"..."9": n = Int(c.value - 48)
            case "a"..."z": n = Int(c.value - 97) + 10
            case "A"..."Z": n = Int(c.value - 65) + 36
            case "{":
                guard let close = body[i...].firstIndex(of: "}"), let v = Int(String(String.UnicodeScalarView(body[(i + 1)..<close]))), v >= 1 else {
                    throw fail("'{' must hold a buyer number and close with '}'")
                }
                n = v
                i = close
            default:
                throw fail("'\(visible(String(c)))' is not a buyer (1-9, a-z, A-Z, {N})")
            }
            if let buyers, n > buyers {
                throw fail("buyer \(n) does not exist: the scenario has \(buyers) buyer\(buyers == 1 ? "" : "s")")
            }
            i += 1
            var count = 1
            if i < body.count, body[i] == "~" {
                var j = i + 1
                while j < body.count, ("0"..."9").contains(body[j]) { j += 1 }
                guard j > i + 1 else { throw fail("'~' must be followed by a count >= 1") }
                let digits = String(String.UnicodeScalarView(body[(i + 1)..<j]))
                // Too many digits for an Int is also too many choices.
                let v = Int(digits) ?? Int.max
                guard v >= 1 else { throw fail("'~' must be followed by a count >= 1") }
                count = v
                i = j
            }
            // Checked before expanding: a count past what a run can grant is refused, not allocated.
            if count > limit - choices.count {
                i = start
                throw fail("\(count == 1 ? "the string" : "a run of \(count)") makes more than \(limit) choices, more than one run of this scenario can grant")
            }
            choices += repeatElement(n - 1, count: count)
        }
        return ScheduleString(fingerprint: fingerprint, choices: choices)
    }

    /// The tail rule: the last buyer while it is enabled, else the lowest-numbered enabled one.
    public static func tail(enabled: [Int], last: Int?) -> Int {
        if let last, enabled.contains(last) { return last }
        return enabled.min()!
    }

    /// The shortest prefix of `choices` that the tail rule completes to the same run
    /// (`enabled[i]`: the enabled buyers before grant i).
    public static func trimmed(_ choices: [Int], enabled: [[Int]]) -> [Int] {
        var cut = choices.count
        while cut > 0 {
            let i = cut - 1
            let last = i > 0 ? choices[i - 1] : nil
            guard choices[i] == tail(enabled: enabled[i], last: last) else { break }
            cut = i
        }
        return Array(choices[..<cut])
    }

    /// FNV-1a of the scenario's shape: what a schedule's meaning depends on (and a program
    /// buyer's command as written, placeholders unfilled, with `programFiles`: digests of
    /// the files the command names, which the runner reads — ProgramFiles).
    public static func fingerprint(_ s: Scenario, programFiles: [UInt64] = []) -> UInt32 {
        var text = "v\(layoutVersion)|b\(s.buyers.count)|w\(s.buyers.wants)|t\(s.tickets)|\(s.lock.mode.rawValue)|\(s.lock.scope.rawValue)|\(s.storage.write.rawValue)|r\(s.lock.retries)"
        for f in s.faults { text += "|\(f.summary)" }
        // A program's steps are its own: another command means other steps.
        if let program = s.program { text += "|cmd " + program.command.joined(separator: " ") }
        // Its steps are its code's too: an edited script means other steps.
        if !programFiles.isEmpty { text += "|files " + programFiles.map { String($0, radix: 16) }.joined(separator: ",") }
        var h: UInt32 = 0x811c9dc5
        for b in text.utf8 {
            h ^= UInt32(b)
            h = h &* 0x01000193
        }
        return h
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Preemptions in a run: switches away from a buyer that was still enabled.
    public static func preemptions(_ choices: [Int], enabled: [[Int]]) -> Int {
        var count = 0
        for i in 1..<max(choices.count, 1) where choices[i] != choices[i - 1] && enabled[i].contains(choices[i - 1]) {
            count += 1
        }
        return count
    }
}
