import TicketRushModel
import TicketRushRunner

/// What `run` checks about the plan before anything starts (exit 2): sizes that would
/// exhaust memory, trials past the count, folder names two scenarios would share, and
/// paths longer than the kernel takes.
package enum RunBounds {
    /// The most trials a scenario may run (`--trials`, `--trial`, `trials:`): the plan holds one unit each.
    package static let maxTrials = 1_000_000

    package static func problem(scenarios: [Scenario], trials: Int?, trial: Int?) -> String? {
        var folders: [String: String] = [:]
        for s in scenarios {
            let folder = slug(s.name)
            if let other = folders[folder] {
                return "scenarios '\(other)' and '\(s.name)' would share the trial folder '\(folder)'; rename one"
            }
            folders[folder] = s.name
            let count = trials ?? s.trials
            if let trial, trial > count {
                return "--trial \(trial) is past the \(count) trial\(count == 1 ? "" : "s") of '\(s.name)'; give a trial from 1 to \(count)"
            }
            if count > maxTrials { return "'\(s.name)' asks for \(count) trials; at most \(maxTrials)" }
        }
        return nil
    }

    /// The longest path a trial creates (its storage file's `.mutex`/`.lock` beside it, or
    /// its event log) must fit PATH_MAX once the real work folder is known.
    package static func pathProblem(scenarios: [Scenario], trialCounts: [Int], work: String, events: String?) -> String? {
        for (s, count) in zip(scenarios, trialCounts) {
            let trialFolder = "\(work)/\(slug(s.name))/trial-\(count)"
            let longest = "\(trialFolder)/\(s.storage.path).mutex"
            if longest.utf8.count >= pathMax {
                return "'\(s.name)': its trial files would need paths of \(longest.utf8.count) bytes, over PATH_MAX (\(pathMax)); shorten the name, storage.path or --work"
            }
            if let events, "\(events)/\(slug(s.name))/trial-\(count).jsonl.tmp.0000000".utf8.count >= pathMax {
                return "'\(s.name)': its event logs under \(events) would exceed PATH_MAX (\(pathMax)); shorten the name or --events"
            }
        }
        return nil
    }
}
