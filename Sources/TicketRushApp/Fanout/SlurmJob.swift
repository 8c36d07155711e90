/// `--via slurm`: an sbatch job array, task K = shard K; submitted with `sbatch`, watched with
/// `squeue` (a task no longer listed has ended) and `scontrol show job` (how it ended).
enum SlurmJob {
    static func script(_ job: FanoutJob) -> String {
        let o = job.o
        // `--shard "$SLURM_ARRAY_TASK_ID/N"`, not auto: no other engine's variables inherited
        // through sbatch (a CI job submitting it) can change the shard.
        let run = job.shellLine(executable: o.executable, shard: "$SLURM_ARRAY_TASK_ID",
                                selector: "--shard \"$SLURM_ARRAY_TASK_ID/\(job.n)\"")
        return """
            #!/bin/sh
            #SBATCH --job-name=\(job.name)
            #SBATCH --array=1-\(job.n)
            #SBATCH --chdir=\(ShellWords.quote(o.directory))
            #SBATCH --output=\(ShellWords.quote("\(o.reports)/logs/shard-%a.log"))
            # Shard K of \(job.n) of one run, with the whole run's seeds, into \(o.reports)/shards/K.
            # Exit 1 (an expectation unmet in this shard) is a finished shard: the merge judges.
            \(run) || test $? -eq 1
            # When every task has ended: \(job.mergeLine(executable: o.executable))

            """
    }

    /// The shards' jobs: task K of job `ids[k]` (a re-submitted shard is its own array of one).
    struct Engine: FanoutEngine {
        var job: FanoutJob
        var scriptPath: String
        var ids: [Int: String] = [:]

        mutating func submit(_ ks: [Int]) throws(Stop) -> [String] {
            let array = ks.count == job.n ? "1-\(job.n)" : ks.map(String.init).joined(separator: ",")
            let argv = ["sbatch", "--parsable", "--array=\(array)"] + job.o.sbatch + [scriptPath]
            let r = FanoutProcess.output(argv, env: job.o.environment)
            let id = r.out.split(separator: ";").first.map { String($0).trimmedLines } ?? ""
            guard r.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
                throw .error("fanout: sbatch failed (exit \(r.status)): \(r.err.trimmedLines)", code: 3)
            }
            for k in ks { ids[k] = id }
            return ["ticketrush: fanout: submitted Slurm job \(id) (array \(array))"]
        }

        mutating func ended(_ ks: [Int]) -> [Int: String?] {
            let jobs = Set(ks.compactMap { ids[$0] }).sorted()
            guard !jobs.isEmpty else { return [:] }
            let r = FanoutProcess.output(["squeue", "-h", "-r", "-o", "%i %T", "-j", jobs.joined(separator: ",")], env: job.o.environment)
            // squeue fails for ids it has already forgotten; nothing listed then has ended.
            guard r.status == 0 || r.err.contains("Invalid job id") else { return [:] }
            let listed = Set(r.out.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
            var out: [Int: String?] = [:]
            for k in ks {
                guard let id = ids[k], !listed.contains("\(id)_\(k)") else { continue }
                out.updateValue(state("\(id)_\(k)"), forKey: k)
            }
            return out
        }

        /// How an ended task ended: nil when COMPLETED, else its JobState, or that Slurm no longer knows.
        func state(_ task: String) -> String? {
            let r = FanoutProcess.output(["scontrol", "show", "job", task], env: job.o.environment)
            guard r.status == 0, let field = r.out.split(whereSeparator: \.isWhitespace).first(where: { $0.hasPrefix("JobState=") }) else {
                // A pending task cancelled leaves no record (and an ended one is forgotten after MinJobAge).
                return "Slurm task \(task) left the queue with no record of its end: \((r.err + r.out).trimmedLines.split(separator: "\n").last.map(String.init) ?? "scontrol exit \(r.status)")"
            }
            let value = String(field.dropFirst("JobState=".count))
            return value == "COMPLETED" ? nil : "Slurm task \(task) \(value)"
        }

        mutating func stop() {
            let jobs = Set(ids.values).sorted()
            if !jobs.isEmpty { _ = FanoutProcess.output(["scancel"] + jobs, env: job.o.environment) }
        }
    }
}
