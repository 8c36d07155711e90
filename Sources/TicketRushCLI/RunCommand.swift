import ArgumentParser
import CTicketRush
import TicketRushApp
import TicketRushEngines
import TicketRushModel
import TicketRushReports

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files and write the reports (JUnit, CSV, JSON, HTML).",
        discussion: """
            Each trial forks one process per buyer in a fresh work folder; the folder is removed afterwards unless --work is given. \
            Reports go to --reports (default reports/): \(ReportFormats.fileList) \
            (trials.json is what `ticketrush merge` combines). With --shard, what one shard cannot judge (an expected violation \
            not seen in its trials, thresholds) is pending, not failed: judge the whole run with `ticketrush merge`.

            Reports:
            \(ReportFormats.helpLines)

            \(EnvironmentHelp.text)
            """)

    @Argument(help: "Scenario files, or folders searched for *.yaml and *.yml (scenarios/first: the tutorial's short set; scenarios: every shipped one).")
    var paths: [String] = ["scenarios"]

    @Option(help: "Folder for every report.")
    var reports: String = "reports"

    @Option(help: "Where to write the JUnit XML report (default: REPORTS/junit.xml).")
    var junit: String?

    @Option(help: "Run this many trials of every scenario, overriding the files (and any trials.until rule).")
    var trials: Int?

    @Option(help: "Seed every scenario with this, overriding the files.")
    var seed: UInt64?

    @Option(help: "Run only this scenario or sweep cell: its full name (NAME[lock.mode=flock,…]) or its label (lock.mode=flock,…).")
    var cell: String?

    @Option(name: [.customShort("k"), .long], help: ArgumentHelp(
        "Run only the scenarios and sweep cells whose name contains PATTERN, or, with * or ?, matches it whole (or the cell's label: 'lock.mode=flock,*'). Repeat to keep what any keeps.",
        valueName: "pattern"))
    var filter: [String] = []

    @Option(help: "Run only this trial (1-based) of each scenario run, with the seed it has in the whole run.")
    var trial: Int?

    @Option(help: "Run shard K of N (K/N): a deterministic 1/N of the (scenario, cell, trial) units, with the seeds of the whole run. Needs fixed seeds. auto: K and N from the CI engine's environment: GitLab CI_NODE_INDEX and CI_NODE_TOTAL; a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with --shards or TICKETRUSH_SHARDS; a Slurm array's SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN; CircleCI CIRCLE_NODE_INDEX and CIRCLE_NODE_TOTAL; Buildkite BUILDKITE_PARALLEL_JOB and BUILDKITE_PARALLEL_JOB_COUNT; Bitbucket BITBUCKET_PARALLEL_STEP and BITBUCKET_PARALLEL_STEP_COUNT; Semaphore SEMAPHORE_JOB_INDEX and SEMAPHORE_JOB_COUNT; AWS Batch AWS_BATCH_JOB_ARRAY_INDEX with --shards, TICKETRUSH_SHARDS or AWS_BATCH_JOB_ARRAY_SIZE.")
    var shard: String?

    @Option(help: "Run this many trials at once, each in its own worker process. Default 1: parallel trials disturb each other's timing (latency, throughput, and how often a race bites). A random, pct or bounded exhaustive (preemptions: K) cell splits its schedules across them, with the same results.")
    var jobs: Int = 1

    @Option(help: "Keep each trial's event log as JSON Lines under this folder.")
    var events: String?

    @Option(help: ArgumentHelp("Also write each trial's transactional history for a second opinion: elle writes REPORTS/elle/CELL/trial-N.json in the JSON elle-cli reads (docs/events.md).", valueName: "format"))
    var export: [String] = []

    @Option(help: "Run trials in this folder and keep them (default: a temporary folder under TMPDIR or /tmp, removed).")
    var work: String?

    @Option(help: "Override every scenario's schedule strategy: timing, random, pct or exhaustive (docs/schedules.md).")
    var schedule: String?

    @Option(help: "Replay exactly this controlled schedule (S1.FINGERPRINT.CHOICES) of the one scenario --cell names.")
    var scheduleReplay: String?

    @Flag(help: "Stop each controlled search at its first violating schedule (with --jobs: random and pct workers after their round, bounded exhaustive workers after their current schedule).")
    var failFast = false

    @Option(help: "Override the buyer count (as a shrunk counterexample's command does).")
    var buyers: Int?

    @Option(help: "Override the ticket count.")
    var tickets: Int?

    @Option(help: "Override the tickets each buyer wants.")
    var wants: Int?

    @Flag(help: "Print one human line per event.")
    var transcript = false

    @Flag(help: "Print only problems and the closing line; no progress line.")
    var quiet = false

    @Option(help: "text, or github: also an ::error annotation at the line of each unmet expectation, and a Markdown summary appended to $GITHUB_STEP_SUMMARY when set.")
    var format: OutputFormat = .text

    @Option(help: ColorChoice.help)
    var color: ColorChoice = .auto

    @Option(help: "With --shard auto on a Kubernetes Indexed Job or an AWS Batch array: the number of shards (its completions or array size); else TICKETRUSH_SHARDS.")
    var shards: Int?

    @Flag(help: "With --shard: split the units by expected cost (trials × buyers × timeout, greedy longest first) instead of every N-th; every shard must pass it.")
    var balance = false

    @Option(help: "With --shard: split by the trial durations measured in this earlier run's reports (DIR/trials.json); every shard must pass the same.")
    var balanceFrom: String?

    @Flag(help: "Rerun only the cells that did not pass in the previous run whose reports are in --reports (REPORTS/trials.json), with the seeds they ran with.")
    var rerunFailed = false

    @Flag(help: "With --rerun-failed: also run scenario files that REPORTS/trials.json names outside the current folder and the paths given (a reports folder is data, a scenario file is code: docs/programs.md, \"Trust model\").")
    var trustReports = false

    @Flag(help: "Fail (exit 1) instead of skipping a scenario whose storage engine is not installed (CI uses this, so it can never pass by skipping).")
    var requireEngines = false

    var options: RunOptions {
        var o = RunOptions()
        (o.paths, o.reports, o.junit, o.trials, o.seed, o.cell, o.trial, o.shard) = (paths, reports, junit, trials, seed, cell, trial, shard)
        o.filter = filter
        o.export = export
        (o.jobs, o.events, o.work, o.schedule, o.scheduleReplay) = (jobs, events, work, schedule, scheduleReplay)
        (o.buyers, o.tickets, o.wants, o.transcript, o.quiet, o.format) = (buyers, tickets, wants, transcript, quiet, format)
        (o.shards, o.rerunFailed, o.trustReports, o.requireEngines) = (shards, rerunFailed, trustReports, requireEngines)
        (o.balance, o.balanceFrom, o.failFast) = (balance, balanceFrom, failFast)
        return o
    }

    func validate() throws {
        if let problem = options.problem() { throw ValidationError(problem) }
    }

    func run() throws {
        tr_install_interrupt_handlers()
        try finish(RunApp.run(options, console: .terminal), color: color)
    }
}
