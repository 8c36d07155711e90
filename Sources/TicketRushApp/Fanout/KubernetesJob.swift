/// `--via kubernetes`: an Indexed Job (batch/v1; completions = parallelism = N), pod index
/// I = shard I+1 through `--shard auto`. The pods mount the current folder at the same path
/// (hostPath: a single-node cluster, or nodes sharing that path), so shard folders land
/// where the fan-out waits for them; with another volume, gather them and run `merge`.
enum KubernetesJob {
    static func manifest(_ job: FanoutJob) -> String {
        let o = job.o
        let line = job.shellLine(executable: "ticketrush", shard: "$((JOB_COMPLETION_INDEX + 1))",
                                 selector: "--shard auto --shards \(job.n)")
        return """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(job.name)
              labels: {app: ticketrush}
            spec:
              completionMode: Indexed         # JOB_COMPLETION_INDEX is 0..\(job.n - 1) in the pods
              completions: \(job.n)
              parallelism: \(job.n)
              backoffLimit: \(o.retries)        # --retries: pods re-created for a failed index
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: shard
                      image: \(ShellWords.yaml(o.image))
                      workingDir: \(ShellWords.yaml(o.directory))
                      command: ["sh", "-c"]
                      args:
                        - \(ShellWords.yamlLine("\(line) || test $? -eq 1"))
                      volumeMounts:
                        - {name: work, mountPath: \(ShellWords.yaml(o.directory))}
                  volumes:
                    - name: work
                      hostPath: {path: \(ShellWords.yaml(o.directory)), type: Directory}
            # When the Job is complete: \(job.mergeLine(executable: "ticketrush"))

            """
    }

    /// The Job: applied once (Kubernetes re-creates failed pods itself, up to backoffLimit);
    /// it has ended when its Complete or Failed condition is true.
    struct Engine: FanoutEngine {
        var job: FanoutJob
        var manifestPath: String
        var applied = false

        mutating func submit(_ ks: [Int]) throws(Stop) -> [String] {
            // A re-submission is Kubernetes' own (backoffLimit); the fan-out applies once.
            guard !applied else { return [] }
            let r = FanoutProcess.output(["kubectl", "apply", "-f", manifestPath], env: job.o.environment)
            guard r.status == 0 else { throw .error("fanout: kubectl apply failed (exit \(r.status)): \(r.err.trimmedLines)", code: 3) }
            applied = true
            return ["ticketrush: fanout: \(r.out.trimmedLines)"]
        }

        mutating func ended(_ ks: [Int]) -> [Int: String?] {
            let r = FanoutProcess.output(["kubectl", "get", "job", job.name, "-o",
                                          "jsonpath={range .status.conditions[?(@.status==\"True\")]}{.type} {end}"], env: job.o.environment)
            let conditions = r.out.split(separator: " ").map(String.init)
            guard r.status == 0, conditions.contains("Complete") || conditions.contains("Failed") else { return [:] }
            let why: String? = conditions.contains("Failed") ? "Kubernetes Job \(job.name) Failed" : nil
            return Dictionary(uniqueKeysWithValues: ks.map { ($0, why) })
        }

        mutating func stop() {
            if applied { _ = FanoutProcess.output(["kubectl", "delete", "job", job.name, "--wait=false"], env: job.o.environment) }
        }

        /// Kubernetes retries inside the Job; the fan-out re-submits nothing itself.
        var retriesItself: Bool { true }
    }
}
