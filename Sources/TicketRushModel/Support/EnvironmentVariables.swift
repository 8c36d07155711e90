/// Every environment variable the `ticketrush` binary reads, in one place: docs/environment.md
/// is generated from this list, and EnvironmentVariablesTests fails when a lookup in Sources/
/// names a variable that is not here (or one here is read nowhere).
/// Variables the runner *sets* for buyer programs (TICKETRUSH_DIR, …) are in docs/programs.md.
package struct EnvironmentVariable: Sendable, Equatable {
    /// Who the variable is for.
    package enum Audience: String, Sendable, CaseIterable {
        case user = "user setting"
        case ci = "CI engine"
        case benchmark = "benchmark switch"
        /// Read only by debug builds (`#if DEBUG`): the release binary contains none.
        case testHook = "test hook (debug builds only)"
        case internalUse = "internal"
    }

    package var name: String
    package var meaning: String
    /// The source files that read it (paths under Sources/).
    package var readBy: [String]
    package var audience: Audience

    package init(_ name: String, _ audience: Audience, _ meaning: String, readBy: [String]) {
        self.name = name
        self.audience = audience
        self.meaning = meaning
        self.readBy = readBy
    }
}

package enum EnvironmentVariables {
    package static let all: [EnvironmentVariable] = shipped + testHooks

    #if DEBUG
    /// Read only by debug builds; not even their names are in the release binary (.ci/run checks).
    static let testHooks: [EnvironmentVariable] = [
        .init("TICKETRUSH_ENGINES_HOP", .testHook, "`always`: a dynamic build hands a run needing a database client to `ticketrush-engines` as the static release build does, so the debug build's tests cover the hop.",
              readBy: ["TicketRushEngines/Core/ClientLibraries.swift"]),
        .init("TICKETRUSH_ALLOC_PROBE", .testHook, "A folder: with a malloc-counting library preloaded (LD_PRELOAD), each buyer writes the allocator calls it made after the barrier to `DIR/<pid>`.",
              readBy: ["TicketRushChild/Buyer/AllocProbe.swift"]),
        .init("TICKETRUSH_TEST_FORKER_FAULT", .testHook, "`die:N` or `fail:N`: the last helper forker kills itself, or reports a failed fork, after forking N buyers.",
              readBy: ["TicketRushRunner/Runner/HelperForkers.swift"]),
        .init("TICKETRUSH_TEST_FORKER_HOLD", .testHook, "`1`: the runner stops itself (SIGSTOP) right before the barrier opens, or after a failed spawn's teardown, so a test can read the process table then.",
              readBy: ["TicketRushRunner/Runner/HelperForkers.swift"]),
    ]
    #else
    static let testHooks: [EnvironmentVariable] = []
    #endif

    /// What every build reads.
    static let shipped: [EnvironmentVariable] = [
        .init("PATH", .user, "Where a bare program name is looked up: `validate`'s command-not-found lint, the private database servers (`redis-server`, `postgres`), a program's first word when a schedule fingerprint digests the program's files, and `fanout`'s `kubectl`.",
              readBy: ["TicketRushFormat/Lint/CommandNotFoundRule.swift", "TicketRushEngines/Core/EngineEndpoint.swift",
                       "TicketRushRunner/Schedule/ProgramFiles.swift", "TicketRushApp/Fanout/FanoutApp.swift"]),
        .init("TMPDIR", .user, "Where the temporary work folder of a run without `--work` and the private servers' folders are made (default `/tmp`; servers use `/tmp` when it is too deep for a socket path), and where each run sweeps those of killed runs.",
              readBy: ["TicketRushRunner/Runner/WorkFolder.swift", "TicketRushEngines/Core/EngineServer.swift"]),
        .init("NO_COLOR", .user, "Set and not empty: no colour in the terminal output under `--color auto` (the default; https://no-color.org). `--color always` still colours.",
              readBy: ["TicketRushCLI/Colour.swift"]),
        .init("TERM", .user, "`dumb`: no colour under `--color auto`.", readBy: ["TicketRushCLI/Colour.swift"]),
        .init("TICKETRUSH_PG_BINDIR", .user, "The folder holding PostgreSQL's `postgres` and `initdb` for the private server (default: the newest `/usr/lib/postgresql/N/bin`, else `PATH`).",
              readBy: ["TicketRushEngines/Postgres/PostgresServer.swift"]),
        .init("GITHUB_STEP_SUMMARY", .ci, "With `--format github`: the file the run's Markdown summary is appended to (GitHub Actions sets it).",
              readBy: ["TicketRushApp/CISupport.swift"]),
        .init("CI_NODE_INDEX", .ci, "`--shard auto` on GitLab `parallel:`: this job's shard, 1…N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("CI_NODE_TOTAL", .ci, "`--shard auto` on GitLab `parallel:`: the number of shards N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("JOB_COMPLETION_INDEX", .ci, "`--shard auto` in a Kubernetes Indexed Job: this job's index, 0…N-1.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("TICKETRUSH_SHARDS", .ci, "`--shard auto` in a Kubernetes Indexed Job or an AWS Batch array job: the number of shards N, when `--shards` is not given.",
              readBy: ["TicketRushApp/CISupport.swift"]),
        .init("SLURM_ARRAY_TASK_ID", .ci, "`--shard auto` in a Slurm job array: this task's id.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("SLURM_ARRAY_TASK_COUNT", .ci, "`--shard auto` in a Slurm job array: the number of shards N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("SLURM_ARRAY_TASK_MIN", .ci, "`--shard auto` in a Slurm job array: the first task id (default 0).", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("CIRCLE_NODE_INDEX", .ci, "`--shard auto` on CircleCI `parallelism:`: this job's shard, 0…N-1.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("CIRCLE_NODE_TOTAL", .ci, "`--shard auto` on CircleCI `parallelism:`: the number of shards N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("BUILDKITE_PARALLEL_JOB", .ci, "`--shard auto` on a Buildkite `parallelism:` step: this job's shard, 0…N-1.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("BUILDKITE_PARALLEL_JOB_COUNT", .ci, "`--shard auto` on a Buildkite `parallelism:` step: the number of shards N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("BITBUCKET_PARALLEL_STEP", .ci, "`--shard auto` in a Bitbucket Pipelines parallel group: this step's shard, 0…N-1.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("BITBUCKET_PARALLEL_STEP_COUNT", .ci, "`--shard auto` in a Bitbucket Pipelines parallel group: the number of shards N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("SEMAPHORE_JOB_INDEX", .ci, "`--shard auto` on a Semaphore `parallelism:` job: this job's shard, 1…N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("SEMAPHORE_JOB_COUNT", .ci, "`--shard auto` on a Semaphore `parallelism:` job: the number of shards N.", readBy: ["TicketRushApp/CISupport.swift"]),
        .init("AWS_BATCH_JOB_ARRAY_INDEX", .ci, "`--shard auto` in an AWS Batch array job: this child's shard, 0…N-1 (N from `--shards`, `TICKETRUSH_SHARDS` or `AWS_BATCH_JOB_ARRAY_SIZE`).",
              readBy: ["TicketRushApp/CISupport.swift"]),
        .init("AWS_BATCH_JOB_ARRAY_SIZE", .ci, "`--shard auto` in an AWS Batch array job: the number of shards N, when neither `--shards` nor `TICKETRUSH_SHARDS` gives it.",
              readBy: ["TicketRushApp/CISupport.swift"]),
        .init("TICKETRUSH_FORKERS", .benchmark, "Helper forkers per trial, 0…8 (default 2); 0 makes the runner fork every buyer itself, for A/B runs.",
              readBy: ["TicketRushRunner/Runner/HelperForkers.swift"]),
        .init("TICKETRUSH_FORK_TIMING", .benchmark, "`1`: each trial's fork loop prints a `fork-loop buyers=N ns=T helpers=H end=E` line to standard error (benchmarks/run.sh reads it).",
              readBy: ["TicketRushRunner/Runner/ForkTiming.swift"]),
        .init("TICKETRUSH_WARM_BUYERS", .benchmark, "`0`: a controlled cell forks fresh built-in buyers for every schedule instead of keeping them warm (for A/B runs); `count`: warm, and each cell prints `warm-buyers: CELL: N schedules, M crews` to standard error.",
              readBy: ["TicketRushRunner/Trial/Launchers/BuiltInLauncher+Warm.swift"]),
        .init("TICKETRUSH_PAGE_DROP", .benchmark, "`0`: do not drop the runner's read-only page-table entries before a fork loop (for A/B benchmarks).",
              readBy: ["TicketRushRunner/Runner/PageDrop.swift"]),
        .init("TICKETRUSH_HOPPED", .internalUse, "Set by `ticketrush` before it continues in `ticketrush-engines`, so the sibling never hands the run on again.",
              readBy: ["TicketRushEngines/Core/ClientLibraries.swift"]),
    ]

    /// docs/environment.md, generated (UPDATE_DOCS=1 swift test --filter EnvironmentVariablesTests).
    /// `list`: this one and the engines' client overrides (`EnvironmentVariables.everything`,
    /// TicketRushEngines), which a new engine's descriptor adds without an edit here.
    package static func markdown(_ list: [EnvironmentVariable]) -> String {
        var text = """
            # Environment variables

            <!-- Generated from Sources/TicketRushModel/Support/EnvironmentVariables.swift and the
                 engines' descriptors (Sources/TicketRushEngines); do not edit:
                 UPDATE_DOCS=1 swift test --filter EnvironmentVariablesTests -->

            Every environment variable the `ticketrush` binary reads. A test fails when the code
            reads one that is not listed here. The variables the runner sets for your buyer
            programs (`TICKETRUSH_DIR`, `TICKETRUSH_EVENTS_FD`, …) are in
            [programs.md](programs.md); of an outer run's environment, buyer programs inherit
            everything but `TICKETRUSH_*`.

            """
        for audience in EnvironmentVariable.Audience.allCases {
            let rows = list.filter { $0.audience == audience }
            guard !rows.isEmpty else { continue }
            text += "\n## \(heading(audience))\n\n| variable | meaning | read in |\n|---|---|---|\n"
            for v in rows {
                text += "| `\(v.name)` | \(v.meaning) | \(v.readBy.map { "`\($0)`" }.joined(separator: ", ")) |\n"
            }
        }
        return text
    }

    private static func heading(_ audience: EnvironmentVariable.Audience) -> String {
        switch audience {
        case .user: "Settings"
        case .ci: "CI engines (`--shard auto`, `--format github`)"
        case .benchmark: "Benchmark switches"
        case .testHook: "Test hooks (debug builds only: `swift test` builds debug; the release binary reads none of them)"
        case .internalUse: "Internal"
        }
    }
}
