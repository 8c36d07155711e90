import TicketRushModel
import TicketRushReports

extension FanoutWait {
    /// A shard lost for good: the shards that finished are checked as `merge` checks them and
    /// written as one run marked incomplete ("shard 2/3 lost (…)"): its summary.json says
    /// `complete: false`, its junit.xml has the RunIncomplete error, and the exit code is 3,
    /// as for a run cut short. Never green, and never a verdict on the trials left.
    func incomplete(done: [Int: RunResults], lost: [Int: String]) throws(Stop) -> Outcome {
        let names = lost.keys.sorted().map { "shard \($0)/\(job.n) lost (\(lost[$0]!))" }
        let why = names.joined(separator: "; ")
        var outcome = Outcome(code: 3)
        let ks = done.keys.sorted()
        if let first = ks.first.flatMap({ done[$0] }) {
            let parts = ks.map { done[$0]! }, folders = ks.map(job.folder)
            if let problem = MergeInputs.problem(parts, folders: folders) ?? MergeInputs.planProblem(parts, folders: folders) {
                throw .error(problem, code: 2)
            }
            guard parts.allSatisfy({ $0.cellRecords == first.cellRecords }) else {
                throw .error("fanout: the shards come from different runs (scenarios, seeds or trial counts differ)", code: 2)
            }
            let results = RunResults(shard: nil, startedAt: parts.map(\.startedAt).min()!, cells: first.cellRecords,
                                     trials: parts.flatMap(\.trials), incomplete: why)
            let outputs: ReportFiles.Outputs
            do {
                outputs = try ReportFiles.Outputs.prepare(reports: job.o.reports, junit: job.o.junit, events: nil, waiting: { console.errLine(visible($0)) })
            } catch {
                throw .error(error.description, code: error.interrupted ? 130 : 3)
            }
            defer { outputs.release() }
            do { try ReportFiles.write(results, to: outputs) } catch {
                throw .error("reports not written (the previous ones are untouched): \(error.description)", code: 3)
            }
            outcome.lines = ReportFiles.summary(results, quiet: true, reports: job.o.reports, junit: job.o.junit)
        }
        for k in lost.keys.sorted() {
            let rerun = job.argv(k).map(ShellWords.quote).joined(separator: " ")
            outcome.lines.append(.init(stream: .err, text: "ticketrush: error: fanout: shard \(k)/\(job.n) lost (\(lost[k]!)); rerun it with: \(rerun)"))
        }
        outcome.lines.append(.init(stream: .err, text: "ticketrush: error: fanout incomplete: \(why); then judge with: \(job.mergeLine(executable: job.o.executable))"))
        return outcome
    }
}
