import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import TicketRushApp

extension FanoutApp.Engine: ExpressibleByArgument {}

struct FanoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Split one run into N shards on Slurm, Kubernetes, GitHub Actions, GitLab CI or local processes, and judge them together.",
        discussion: """
            Every other argument is a `ticketrush run` argument (files and options, checked by run's own parser); each shard \
            runs that command with --shard K/N --balance into REPORTS/shards/K, so seeds and verdicts are one machine's. \
            --dry-run prints the engine's job description. Otherwise slurm (sbatch), kubernetes (kubectl apply, when \
            kubectl is on PATH) and local are submitted, watched (shards done, trials done, failing so far), and merged into \
            REPORTS; github and gitlab write the description to commit (--out, or standard output). \
            Exit codes: merge's (0 every expectation met, 1 not, 2 shards that do not fit); 3 a shard lost after --retries \
            (the reports then say incomplete and name it, never passed); 2 bad usage.
            """)

    @Option(help: "Where the shards run: slurm, kubernetes, github, gitlab or local.")
    var via: FanoutApp.Engine

    @Option(help: "The number of shards N.")
    var shards: Int

    @Flag(help: "Print the job description and exit 0; submit nothing.")
    var dryRun = false

    @Option(help: "Write the job description here (default: REPORTS/fanout.*; github and gitlab: standard output).")
    var out: String?

    @Option(help: "Submit a lost shard (its job failed or was cancelled, its process died, no complete trials.json) again this many times.")
    var retries: Int = 0

    @Option(help: "Plan the shards by the trial durations measured in this earlier run's reports (DIR/trials.json) instead of trials × buyers × timeout.")
    var balanceFrom: String?

    @Option(help: "kubernetes: the container image holding ticketrush.")
    var image: String = "ticketrush:latest"

    @Option(help: "The ticketrush binary the shards run (default: this one; on a cluster, where the nodes find it).")
    var executable: String?

    @Option(help: "The folder the shards run in, where the run's paths are relative to (default: the current folder).")
    var chdir: String?

    @Option(name: .customLong("sbatch"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "slurm: one more sbatch argument (--partition=debug, --time=10, --hold). Repeat for more.", valueName: "arg"))
    var sbatchArguments: [String] = []

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The run's files and options, as `ticketrush run` takes them.", valueName: "run-argument"))
    var runArguments: [String] = []

    /// The run arguments parsed by run's own parser (its validation too).
    func parsedRun() throws -> RunCommand {
        let run: RunCommand
        do { run = try RunCommand.parse(runArguments) } catch {
            throw ValidationError("the run arguments: " + RunCommand.message(for: error))
        }
        if run.shard != nil { throw ValidationError("fanout sets each shard's --shard; leave it out") }
        if run.rerunFailed { throw ValidationError("--rerun-failed reads one reports folder; run it without fanout") }
        if run.balance { throw ValidationError("fanout always balances the shards; leave --balance out (--balance-from is fanout's)") }
        return run
    }

    func validate() throws { _ = try parsedRun() }

    /// The run arguments without the ones fanout sets per shard (--reports, --junit, --balance-from)
    /// or keeps for the merge (--format: annotations and the step summary once, not per shard).
    static func stripped(_ args: [String]) -> [String] {
        var out: [String] = [], skip = false
        for (i, a) in args.enumerated() {
            if skip { skip = false; continue }
            if args[..<i].contains("--") { out.append(a); continue }
            if ["--reports", "--junit", "--balance-from", "--format"].contains(a) { skip = true; continue }
            if ["--reports=", "--junit=", "--balance-from=", "--format="].contains(where: a.hasPrefix) { continue }
            out.append(a)
        }
        return out
    }

    func run() throws {
        let parsed = try parsedRun()
        var o = FanoutApp.Options(via: via, shards: shards, runArguments: Self.stripped(runArguments))
        (o.reports, o.junit, o.quiet, o.format, o.paths) = (parsed.reports, parsed.junit, parsed.quiet, parsed.format, parsed.paths)
        (o.dryRun, o.out, o.retries, o.balanceFrom, o.image, o.sbatch) = (dryRun, out, retries, balanceFrom, image, sbatchArguments)
        o.executable = executable ?? Self.executable()
        if let chdir { o.directory = chdir }
        try finish(FanoutApp.run(o, console: .terminal), color: parsed.color)
    }

    /// This binary's absolute path: what local and Slurm shards run.
    static func executable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
