#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushReports

/// `ticketrush fanout`: one run split into N shards on an engine (Slurm, Kubernetes, GitHub
/// Actions, GitLab CI, local processes). It writes the engine's job description; where it can
/// submit, it starts the shards, waits, re-submits a lost shard `--retries` times, and
/// judges them together as `merge` does. Every shard runs the same `run` command line with
/// `--shard K/N --balance`, so seeds and verdicts are one machine's.
package enum FanoutApp {
    package enum Engine: String, CaseIterable, Sendable {
        case slurm, kubernetes, github, gitlab, local
    }

    package struct Options: Sendable {
        package var via: Engine
        package var shards: Int
        /// The `run` arguments (options and files) as given, without --reports/--junit/--shard.
        package var runArguments: [String]
        /// The scenario files and folders among them: loaded here before anything is submitted.
        package var paths: [String] = []
        package var reports = "reports"
        package var junit: String?
        package var quiet = false
        package var format = OutputFormat.text
        package var dryRun = false
        /// Where the job description is written (default: REPORTS/fanout.ENGINE-SUFFIX; github,
        /// gitlab and dry runs: standard output).
        package var out: String?
        package var retries = 0
        package var balanceFrom: String?
        /// The container image of a Kubernetes Job.
        package var image = "ticketrush:latest"
        /// Extra `sbatch` arguments (`--partition=…`, `--hold`).
        package var sbatch: [String] = []
        /// The ticketrush binary the shards run (local and Slurm; an absolute path).
        package var executable = "ticketrush"
        /// The folder the shards run in (absolute).
        package var directory = FileManager.default.currentDirectoryPath
        /// How often the wait polls the shards (seconds).
        package var pollInterval = 0.2
        package var environment: [String: String] = ProcessInfo.processInfo.environment

        package init(via: Engine, shards: Int, runArguments: [String]) {
            self.via = via
            self.shards = shards
            self.runArguments = runArguments
        }
    }

    /// A bad option on its own (exit 2).
    package static func problem(_ o: Options) -> String? {
        if o.shards < 1 || o.shards > MergeInputs.maxShards { return "--shards must be from 1 to \(MergeInputs.maxShards)" }
        if o.retries < 0 || o.retries > 100 { return "--retries must be from 0 to 100" }
        return nil
    }

    package static func run(_ o: Options, console: Console) -> Outcome {
        if let problem = problem(o) { return .error(problem, code: 2) }
        let job = FanoutJob(o)
        let text = job.description()
        if o.dryRun { return Outcome(code: 0, lines: [.init(stream: .out, text: text)]) }
        do throws(Stop) {
            switch o.via {
            case .github, .gitlab:
                return try writeForCommit(text, o)
            case .kubernetes where !FanoutProcess.exists("kubectl", path: o.environment["PATH"]):
                return try writeForCommit(text, o, why: "kubectl is not on PATH: apply it with `kubectl apply -f FILE`")
            default:
                // A bad file stops here at its line (exit 2), not as N shards lost to the same error.
                _ = try RunApp.load(o.paths.map { $0.hasPrefix("/") ? $0 : "\(o.directory)/\($0)" })
                var waiter = try FanoutWait(job: job, text: text, console: console)
                return try waiter.run()
            }
        } catch {
            return error.outcome
        }
    }

    /// github and gitlab: the description is for a repository; written to --out (or printed).
    static func writeForCommit(_ text: String, _ o: Options, why: String? = nil) throws(Stop) -> Outcome {
        let note = why ?? "commit it as \(o.via == .github ? ".github/workflows/ticketrush-fanout.yml" : ".gitlab-ci.yml (or include it)")"
        guard let out = o.out else {
            return Outcome(code: 0, lines: [.init(stream: .out, text: text), .init(stream: .err, text: "ticketrush: fanout: the \(o.via.rawValue) job above is not submitted from here: \(note)")])
        }
        guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
            throw .error("fanout: cannot write \(out)", code: 3)
        }
        return Outcome(code: 0, lines: [.init(stream: .err, text: "ticketrush: fanout: wrote \(out): \(note)")])
    }
}
