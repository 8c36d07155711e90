/// `--via gitlab`: a `parallel: N` job (CI_NODE_INDEX 1..N, read by `--shard auto`) and a
/// merge job that runs whatever the shards ended with.
enum GitLabJob {
    static func pipeline(_ job: FanoutJob) -> String {
        let o = job.o
        let exe = ".build/release/ticketrush"
        let line = job.shellLine(executable: exe, shard: "$CI_NODE_INDEX", selector: "--shard auto")
        return """
            stages: [shard, merge]
            default:
              image: swift:6.3-noble
              before_script:
                - apt-get update -qq && apt-get install -y -qq libsqlite3-dev && swift build -c release

            ticketrush-shard:
              stage: shard
              parallel: \(job.n)                   # CI_NODE_INDEX 1..\(job.n), CI_NODE_TOTAL \(job.n)
              script:
                - \(ShellWords.yamlLine("\(line) || test $? -eq 1"))
              artifacts:
                when: always
                paths: [\(ShellWords.yaml("\(o.reports)/shards/"))]

            ticketrush-merge:
              stage: merge
              when: always
              needs: [ticketrush-shard]
              script:
                - \(ShellWords.yamlLine(job.mergeLine(executable: exe)))
              artifacts:
                when: always
                paths: [\(ShellWords.yaml(o.reports))]
                reports:
                  junit: \(ShellWords.yaml(o.junit ?? "\(o.reports)/junit.xml"))

            """
    }
}
