#if canImport(Glibc)
import Glibc
#endif

/// `--via local`: N processes on this machine (the shape of a cluster's run, for a laptop or
/// to test a fan-out), each `run --shard K/N` with its output in REPORTS/logs/shard-K.log.
enum LocalJob {
    static func script(_ job: FanoutJob) -> String {
        var lines = ["#!/bin/sh", "# \(job.n) local shards of one run, then the merge.",
                     "mkdir -p \(ShellWords.quote("\(job.o.reports)/logs"))"]
        for k in 1...job.n {
            lines.append("\(job.argv(k).map(ShellWords.quote).joined(separator: " ")) > \(ShellWords.quote(job.log(k))) 2>&1 &")
        }
        lines += ["wait", job.mergeLine(executable: job.o.executable), ""]
        return lines.joined(separator: "\n")
    }

    /// The shards' processes; one that exits 0 or 1 finished, any other end is named.
    struct Engine: FanoutEngine {
        var job: FanoutJob
        var handles: [Int: FanoutProcess.Handle] = [:]

        mutating func submit(_ ks: [Int]) throws(Stop) -> [String] {
            for k in ks { handles[k] = try FanoutProcess.start(job.argv(k), env: job.o.environment, log: job.log(k)) }
            return ["ticketrush: fanout: started \(ks.count == job.n ? "\(job.n) local shards" : "shard \(ks.map(String.init).joined(separator: ", ")) again") (logs in \(job.o.reports)/logs/)"]
        }

        mutating func ended(_ ks: [Int]) -> [Int: String?] {
            var out: [Int: String?] = [:]
            for k in ks {
                guard let h = handles[k], let status = FanoutProcess.ended(h) else { continue }
                handles[k] = nil
                let why: String? = status.signal != 0 ? "process \(h.pid) killed by signal \(status.signal)"
                    : status.exitCode <= 1 ? nil : "process \(h.pid) exited \(status.exitCode)"
                // updateValue: `out[k] = nil` would remove the key, not record "ended well".
                out.updateValue(why, forKey: k)
            }
            return out
        }

        mutating func stop() {
            for h in handles.values { FanoutProcess.kill(h) }
            handles = [:]
        }
    }
}
