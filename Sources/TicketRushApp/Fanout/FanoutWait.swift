#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushReports

/// What an engine does for the wait: start shards, say which have ended (with the engine's
/// word for an end that was not a success), stop the rest.
protocol FanoutEngine {
    /// Starts shards `ks` (all at first; a lost one again). Returns lines to print.
    mutating func submit(_ ks: [Int]) throws(Stop) -> [String]
    /// Of `ks`, the shards no longer running: nil when the engine saw a success, else why not.
    mutating func ended(_ ks: [Int]) -> [Int: String?]
    /// Stops every shard still running.
    mutating func stop()
    /// The engine re-submits failed shards itself (Kubernetes' backoffLimit).
    var retriesItself: Bool { get }
}

extension FanoutEngine {
    var retriesItself: Bool { false }
}

/// Submit, wait with progress, re-submit a lost shard, then judge: `merge` of every shard,
/// or, with a shard lost, an incomplete verdict that names it (never green).
struct FanoutWait {
    var job: FanoutJob
    var engine: any FanoutEngine
    var console: Console
    var lines: [Outcome.Line] = []

    init(job: FanoutJob, text: String, console: Console) throws(Stop) {
        self.job = job
        self.console = console
        let o = job.o
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: "\(o.reports)/logs", withIntermediateDirectories: true)
            for k in 1...job.n {
                try fm.createDirectory(atPath: job.folder(k), withIntermediateDirectories: true)
                // A shard is done when its trials.json is there: never an earlier fan-out's.
                unlink("\(job.folder(k))/trials.json")
            }
        } catch {
            throw .error("fanout: cannot prepare \(o.reports)/shards: \(error)", code: 3)
        }
        let file = o.out ?? job.defaultDescriptionFile
        guard fm.createFile(atPath: file, contents: Data(text.utf8)) else { throw .error("fanout: cannot write \(file)", code: 3) }
        switch o.via {
        case .slurm: engine = SlurmJob.Engine(job: job, scriptPath: file)
        case .kubernetes: engine = KubernetesJob.Engine(job: job, manifestPath: file)
        default: engine = LocalJob.Engine(job: job)
        }
    }

    /// The shard's trials.json, when it is there and complete.
    func finished(_ k: Int) -> RunResults? {
        guard let data = FileManager.default.contents(atPath: "\(job.folder(k))/trials.json"),
              let results = try? RunResults.read(data), results.incomplete == nil else { return nil }
        return results
    }

    mutating func run() throws(Stop) -> Outcome {
        do {
            return try watch()
        } catch {
            // A submission that failed half way: nothing of the fan-out is left running.
            engine.stop()
            throw error
        }
    }

    private mutating func watch() throws(Stop) -> Outcome {
        let all = Array(1...job.n)
        for line in try engine.submit(all) { say(line) }
        var running = Set(all), done: [Int: RunResults] = [:], lost: [Int: String] = [:]
        var tries = [Int: Int](), lastProgress = ""
        while !running.isEmpty {
            usleep(useconds_t(job.o.pollInterval * 1_000_000))
            for (k, why) in engine.ended(running.sorted()).sorted(by: { $0.key < $1.key }) {
                if let results = finished(k) {
                    done[k] = results
                    running.remove(k)
                    continue
                }
                let reason = why ?? "it ended without a complete \(job.folder(k))/trials.json"
                if !engine.retriesItself, tries[k, default: 0] < job.o.retries {
                    tries[k, default: 0] += 1
                    say("ticketrush: fanout: shard \(k)/\(job.n) lost (\(reason)): submitting it again (\(tries[k]!) of \(job.o.retries))")
                    for line in try engine.submit([k]) { say(line) }
                } else {
                    lost[k] = reason
                    running.remove(k)
                    say("ticketrush: fanout: shard \(k)/\(job.n) lost (\(reason))")
                }
            }
            let progress = progressLine(done: done, lost: lost.count)
            if progress != lastProgress { say(progress) }
            lastProgress = progress
        }
        return lost.isEmpty ? merge() : try incomplete(done: done, lost: lost)
    }

    /// `shards 2/3 done, 40 trials done, 1 cell failing so far` (a cell whose expectation
    /// a finished shard already saw unmet; what needs every shard is judged at the merge).
    func progressLine(done: [Int: RunResults], lost: Int) -> String {
        let trials = done.values.reduce(0) { $0 + $1.trials.count }
        let failing = Set(done.values.flatMap { $0.cells.filter { !$0.report.passed }.map(\.record.name) }).count
        return "ticketrush: fanout: shards \(done.count)/\(job.n) done\(lost > 0 ? ", \(lost) lost" : ""), \(trials) trials done, "
            + "\(failing) \(failing == 1 ? "cell" : "cells") failing so far"
    }

    mutating func say(_ line: String) {
        if !job.o.quiet || line.contains(" lost ") { console.errLine(line) }
    }

    /// Every shard done: the verdict is merge's.
    func merge() -> Outcome {
        var m = MergeApp.Options(folders: (1...job.n).map(job.folder))
        (m.reports, m.junit, m.quiet, m.format, m.environment) = (job.o.reports, job.o.junit, job.o.quiet, job.o.format, job.o.environment)
        return MergeApp.run(m, console: console)
    }
}
