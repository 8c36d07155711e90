import TicketRushModel
import TicketRushChecks
/// The exact command that reruns one trial alone: the same cell, trial index and scenario
/// seed give the same trial seed and delays (docs/results.md).
package enum Rerun {
    /// Under a controlled schedule the trial's `schedule` string replays it exactly instead.
    package static func command(_ scenario: Scenario, seed: UInt64, trial: Int, schedule: String? = nil) -> String {
        if let schedule { return replay(scenario, schedule: schedule) }
        return "ticketrush run \(shellQuoted(scenario.origin?.path ?? "FILE")) --cell \(shellQuoted(scenario.name)) --trial \(trial + 1) --seed \(seed)"
    }

    /// `ticketrush run FILE --cell C [overrides] --schedule-replay 'STRING'`.
    package static func replay(_ scenario: Scenario, schedule: String) -> String {
        (["ticketrush", "run", shellQuoted(scenario.origin?.path ?? "FILE"), "--cell", shellQuoted(scenario.name)]
            + scenario.schedule.overrides + ["--schedule-replay", "'\(schedule)'"]).joined(separator: " ")
    }

    /// The text as one shell word: bare when it is plainly safe, else in single quotes.
    package static func shellQuoted(_ text: String) -> String {
        let safe = !text.isEmpty && text.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        return safe ? text : "'" + text.replacingAll("'", with: "'\\''") + "'"
    }
}
