/// `--via github`: a GitHub Actions workflow, a matrix of N shard jobs and a merge job that
/// runs whatever they ended with (a missing shard makes the merge refuse: never green).
enum GitHubJob {
    static func workflow(_ job: FanoutJob) -> String {
        let o = job.o
        let exe = ".build/release/ticketrush"
        let line = job.shellLine(executable: exe, shard: "${{ matrix.shard }}", selector: "--shard \"${{ matrix.shard }}/\(job.n)\"")
        return """
            name: ticketrush-fanout
            on: [workflow_dispatch]
            jobs:
              shard:
                runs-on: ubuntu-24.04
                container: swift:6.3-noble
                strategy:
                  fail-fast: false            # every shard runs: the merge needs them all
                  matrix:
                    shard: [\((1...job.n).map(String.init).joined(separator: ", "))]
                steps:
                  - uses: actions/checkout@v4
                  - run: apt-get update -qq && apt-get install -y -qq libsqlite3-dev && swift build -c release
                  - run: \(ShellWords.yamlLine("\(line) || test $? -eq 1"))
                  - uses: actions/upload-artifact@v4
                    with: {name: "shard-${{ matrix.shard }}", path: \(ShellWords.yaml("\(o.reports)/shards/${{ matrix.shard }}"))}
              merge:
                needs: shard
                if: always()
                runs-on: ubuntu-24.04
                container: swift:6.3-noble
                steps:
                  - uses: actions/checkout@v4
                  - run: apt-get update -qq && apt-get install -y -qq libsqlite3-dev && swift build -c release
                  - uses: actions/download-artifact@v4
                    with: {pattern: "shard-*", path: \(ShellWords.yaml("\(o.reports)/shards"))}
                  - run: \(ShellWords.yamlLine(job.mergeLine(executable: exe)))

            """
    }
}
