/// One fan-out: the shard command lines and the engine's job description, from the options.
/// Every engine's shard runs the same `run` arguments plus `--shard K/N --balance` (or
/// `--shard auto` where the engine numbers its jobs), into REPORTS/shards/K.
struct FanoutJob: Sendable {
    var o: FanoutApp.Options

    init(_ o: FanoutApp.Options) { self.o = o }

    var n: Int { o.shards }
    /// REPORTS/shards/K.
    func folder(_ k: Int) -> String { "\(o.reports)/shards/\(k)" }
    /// REPORTS/logs/shard-K.log (local and Slurm).
    func log(_ k: Int) -> String { "\(o.reports)/logs/shard-\(k).log" }
    /// The name of the job on the engine.
    var name: String { "ticketrush-fanout" }

    /// What every shard adds after the run arguments, but the shard and its folder.
    var balanceArguments: [String] { ["--balance"] + (o.balanceFrom.map { ["--balance-from", $0] } ?? []) }

    /// The argv of shard K (local processes; the run command `dry-parse` checks).
    func argv(_ k: Int) -> [String] {
        [o.executable, "run"] + o.runArguments + ["--shard", "\(k)/\(n)"] + balanceArguments + ["--reports", folder(k)]
    }

    /// The shell line of a shard whose number the engine gives: `shard` is the shell text
    /// for K (`$SLURM_ARRAY_TASK_ID`), `selector` the --shard arguments as shell text.
    func shellLine(executable: String, shard: String, selector: String) -> String {
        let head = ([executable, "run"] + o.runArguments).map(ShellWords.quote).joined(separator: " ")
        let tail = balanceArguments.map(ShellWords.quote).joined(separator: " ")
        return "\(head) \(selector) \(tail) --reports \"\(ShellWords.quoteInDouble("\(o.reports)/shards/"))\(shard)\""
    }

    /// The merge a user runs by hand once every shard is done.
    func mergeLine(executable: String) -> String {
        let shards = "\(ShellWords.quote("\(o.reports)/shards"))/*"
        return "\(ShellWords.quote(executable)) merge \(shards) --reports \(ShellWords.quote(o.reports))"
    }

    /// The engine's job description.
    func description() -> String {
        switch o.via {
        case .slurm: return SlurmJob.script(self)
        case .kubernetes: return KubernetesJob.manifest(self)
        case .github: return GitHubJob.workflow(self)
        case .gitlab: return GitLabJob.pipeline(self)
        case .local: return LocalJob.script(self)
        }
    }

    /// The default file the description is written to (under REPORTS).
    var defaultDescriptionFile: String {
        switch o.via {
        case .slurm: return "\(o.reports)/fanout.sbatch"
        case .kubernetes: return "\(o.reports)/fanout-job.yaml"
        case .github: return "\(o.reports)/fanout-workflow.yml"
        case .gitlab: return "\(o.reports)/fanout-gitlab-ci.yml"
        case .local: return "\(o.reports)/fanout-local.sh"
        }
    }
}

/// Shell quoting of the words a description puts on a command line.
enum ShellWords {
    /// `word` as one POSIX shell word: bare when safe, else in single quotes.
    static func quote(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy { c in
            (c.value < 128 && (CharacterSetASCII.isAlnum(c) || "-_./=:,+@%".unicodeScalars.contains(c)))
        }
        return safe ? word : "'" + word.replacingAll("'", with: "'\\''") + "'"
    }

    /// `text` safe inside double quotes (`"`, `\`, `$`, and a backquote escaped).
    static func quoteInDouble(_ text: String) -> String {
        var out = ""
        for c in text {
            if "\"\\$`".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// A shell line as a YAML single-quoted scalar: no escapes but `''`, so the line reads
    /// in the YAML as the shell will see it.
    static func yamlLine(_ line: String) -> String {
        "'" + line.replacingAll("'", with: "''") + "'"
    }

    /// `word` as a YAML double-quoted scalar.
    static func yaml(_ word: String) -> String {
        var out = "\""
        for c in word.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

enum CharacterSetASCII {
    static func isAlnum(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
    }
}

extension String {
    /// Without leading and trailing whitespace, newlines included (a tool's output).
    var trimmedLines: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Every `target` replaced (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
