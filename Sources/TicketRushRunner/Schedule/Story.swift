#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChecks
import TicketRushSchedule

/// A counterexample as a story (Lincheck-style): one column per buyer, one row per
/// granted step, `*` on a preemption, and the document after each write.
package enum Story {
    package static func lines(_ j: ScheduleExplorer.Judged, scenario s: Scenario) -> [String] {
        let n = s.buyers.count
        let names = (0..<n).map { s.buyers.name(of: $0) }
        var rows: [(String, Int, String, String)] = []  // (#, buyer, text, document)
        for (i, step) in j.steps.enumerated() {
            let preempted = i > 0 && j.choices[i] != j.choices[i - 1] && j.enabled[i].contains(j.choices[i - 1])
            rows.append(("\(i + 1)\(preempted ? "*" : "")", step.buyer, text(step, LockNarration(s)), step.document ?? ""))
        }
        var width = [Int](repeating: 0, count: n)
        for b in 0..<n { width[b] = max(names[b].count + 2, 12) }
        for r in rows { width[r.1] = max(width[r.1], r.2.count + 2) }
        func pad(_ t: String, _ w: Int) -> String { t + String(repeating: " ", count: max(0, w - t.count)) }
        var out: [String] = []
        out.append("  " + pad("#", 5) + (0..<n).map { pad(names[$0], width[$0]) }.joined() + s.storage.path + " after")
        for r in rows {
            let cells = (0..<n).map { pad($0 == r.1 ? r.2 : "", width[$0]) }.joined()
            out.append("  " + pad(r.0, 5) + cells + r.3)
        }
        let bought = j.history.purchases.count
        var end = "  end: \(plural(bought, "purchase")) of \(plural(s.tickets, "ticket")), final \(describeRead(j.history.finalRead))"
        if j.history.deadlocked { end += "; deadlock, no buyer enabled: " + (j.waitFor ?? "some unfinished") }
        out.append(end)
        let violated = j.results.filter { $0.verdict == .violated }
        if !violated.isEmpty {
            out.append("  violated: " + violated.map { "\($0.invariant.rawValue) (\($0.summary))" }.joined(separator: ", "))
        }
        return out
    }

    private static func describeRead(_ read: StoreRead) -> String {
        switch read {
        case .count(let c): return "count \(c)"
        case .torn(let bytes): return "torn (\(bytes) bytes)"
        case .failed(let code): return "unreadable (errno \(code))"
        }
    }

    /// The step in a few words, from what the buyer reported after its grant.
    /// `lock`: a bare `BEGIN` is told as a transaction begun, not a lock acquired.
    static func text(_ step: ControlledStep, _ lock: LockNarration = LockNarration(mode: .flock, storage: "json")) -> String {
        if let call = step.call { return callText(call, step) }
        if step.op.isProgram { return programText(step) }
        var parts: [String] = []
        for e in step.events {
            switch e.kind {
            case .searchRead: parts.append("search: read \(e.value)")
            case .purchaseRead: parts.append("purchase: read \(e.value)")
            case .searchTorn: parts.append("search: read torn (\(plural(Int(e.value), "byte")))")
            case .purchaseTorn: parts.append("purchase: read torn (\(plural(Int(e.value), "byte")))")
            case .lockAcquired: parts.append(lock.exclusive ? "lock: acquired" : "begun (holds no lock)")
            case .lockRecovered: parts.append("(recovered from a dead holder)")
            case .lockReleased: parts.append(lock.exclusive ? "lock: released" : "ended")
            case .gateBlocked: parts.append("lock: busy")
            case .bought: parts.append("→ bought")
            case .soldOut: parts.append("→ sold out")
            case .error: parts.append("→ error (\(e.reasonText ?? "error"))")
            case .purchaseRetry: parts.append("→ version moved: retry")
            case .faultKill: parts.append("KILLED (fault)")
            default: break
            }
        }
        let written = step.events.first { $0.kind == .bought }.map { " \($0.value)" } ?? ""
        switch step.op {
        case .truncate: parts.insert("write: open(O_TRUNC)", at: 0)
        case .write: parts.insert("write: wrote\(written)", at: 0)
        case .publish: parts.insert("write: rename\(written.isEmpty ? "" : " (count\(written))")", at: 0)
        case .read where !parts.contains(where: { $0.contains("read") }): parts.insert("re-read under the commit lock", at: 0)
        case .acquire where parts.isEmpty: parts.append(lock.exclusive ? "lock: try" : "begin")
        case .release where !parts.contains("lock: released"): parts.insert(lock.exclusive ? "lock: release" : "transaction:", at: 0)
        default: break
        }
        return parts.joined(separator: " ")
    }

    /// A held system call (`control: syscalls`), and what the program printed after it.
    static func callText(_ call: String, _ step: ControlledStep) -> String {
        var parts = [call]
        for e in step.events {
            switch e.kind {
            case .bought: parts.append("→ bought")
            case .soldOut: parts.append("→ sold out")
            case .error: parts.append("→ error")
            case .faultKill: parts.append("KILLED (fault)")
            default: break
            }
        }
        return parts.joined(separator: " ")
    }

    /// A program's step: what it reported between the grant and its next report (or exit).
    static func programText(_ step: ControlledStep) -> String {
        var parts: [String] = []
        for e in step.events {
            switch e.kind {
            case .start: parts.append("exec")
            case .searchRead: parts.append("search: read \(e.value)")
            case .purchaseRead: parts.append("purchase: read \(e.value)")
            case .searchTorn: parts.append("search: read torn (\(plural(Int(e.value), "byte")))")
            case .purchaseTorn: parts.append("purchase: read torn (\(plural(Int(e.value), "byte")))")
            case .purchaseWrite: parts.append("write \(e.value)")
            case .lockWait: parts.append("lock: wait")
            case .lockAcquired: parts.append(step.op == .programAcquire ? "lock: acquired" : "lock: acquired (no lock.wait)")
            case .lockRecovered: parts.append("(recovered from a dead holder)")
            case .lockReleased: parts.append("lock: released")
            case .bought: parts.append("→ bought")
            case .soldOut: parts.append("→ sold out")
            case .error: parts.append("→ error (\(e.reason?.name ?? "error"))")
            case .purchaseRetry: parts.append("→ retry")
            case .faultKill: parts.append("KILLED (fault)")
            case .done: parts.append("exits")
            default: parts.append(e.kind.name)
            }
        }
        return parts.isEmpty ? "runs on (no report, no exit)" : parts.joined(separator: " ")
    }
}

/// The document as a controlled step's story shows it.
enum StoryDocument {
    /// The document's text as the story shows it ("(empty)" right after a truncate).
    static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "(missing)" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            total += got
        }
        if total == 0 { return "(empty)" }
        return String(decoding: bytes[0..<total], as: UTF8.self).trimmingTrailingSpaces
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while let c = s.last, c == "\n" || c == " " { s = s.dropLast() }
        return String(s)
    }
}
