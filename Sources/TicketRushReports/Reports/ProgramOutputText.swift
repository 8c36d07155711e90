import TicketRushModel
import TicketRushChecks

/// A program's output line in the transcript: `路人3 | <路人3> 购票成功`.
enum ProgramOutputText {
    static func sentence(_ line: OutputLine, _ h: TrialHistory) -> String {
        let who = line.buyer.map { h.name($0) } ?? "program"
        return "\(who) \(line.stream == .stderr ? "!" : "|") \(line.text)"
    }
}
