#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushProcess
import TicketRushReports

/// `--format`: how a run's verdict is printed besides the reports.
package enum OutputFormat: String, CaseIterable, Sendable {
    /// The terminal summary only.
    case text
    /// Also `::error file=…,line=…::` workflow commands per unmet expectation, and the
    /// Markdown job summary appended to `$GITHUB_STEP_SUMMARY` when it is set.
    case github
}

/// A problem with what CI handed the run (exit 2).
package struct CIProblem: Error, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    init(_ message: String) { self.message = message }
}

package enum CISupport {
    /// The annotations of `--format github` (stdout), after writing its step summary; a
    /// summary that cannot be written adds a warning line (stderr).
    package static func emit(_ results: RunResults, format: OutputFormat, environment: [String: String]) -> [Outcome.Line] {
        guard format == .github else { return [] }
        var lines = GitHubReport.annotations(results).map { Outcome.Line(stream: .out, text: $0) }
        if let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            let text = GitHubReport.stepSummary(results) + "\n"
            // Appended, as GitHub's own steps do: several steps may write the same summary.
            if !append(text, to: path) {
                lines.append(Outcome.Line(stream: .err, text: "ticketrush: warning: cannot write the step summary to \(path)"))
            }
        }
        return lines
    }

    /// NSString.standardizingPath of an absolute path that realpath cannot resolve (a part is
    /// missing): each link to an absolute path on the way followed, `.` dropped, `..` lexical.
    package static func resolvingLinks(_ absolute: String) -> String {
        var resolved = "/"
        for component in absolute.split(separator: "/") where component != "." {
            if component == ".." { resolved = resolved.pathDeletingLastComponent; continue }
            resolved = resolved == "/" ? "/\(component)" : "\(resolved)/\(component)"
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(resolved, &buffer, buffer.count - 1)
            // Foundation followed only links to absolute paths; a relative link stays as named.
            guard n > 0, buffer[0] == CChar(UInt8(ascii: "/")) else { continue }
            resolved = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return resolved
    }

    /// Appends `text` to the file at `path`, creating it if missing; false when it cannot.
    private static func append(_ text: String, to path: String) -> Bool {
        guard let fd = try? Sys.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666) else { return false }
        defer { close(fd) }
        do {
            try Array(text.utf8).withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws(any Error) in try Sys.writeAll(fd, buffer) }
            return true
        } catch {
            return false
        }
    }

    /// `--shard auto`: K/N from the environment of the engine running this job: GitLab
    /// `parallel:` (CI_NODE_INDEX 1…N), CircleCI (CIRCLE_NODE_INDEX 0…N-1), Buildkite
    /// (BUILDKITE_PARALLEL_JOB 0…N-1), Bitbucket (BITBUCKET_PARALLEL_STEP 0…N-1), Semaphore
    /// (SEMAPHORE_JOB_INDEX 1…N), each with its total; a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX 0…N-1) or an AWS Batch array (AWS_BATCH_JOB_ARRAY_INDEX 0…N-1,
    /// N also from AWS_BATCH_JOB_ARRAY_SIZE) with N from --shards or TICKETRUSH_SHARDS; a Slurm
    /// job array (SLURM_ARRAY_TASK_ID from SLURM_ARRAY_TASK_MIN, default 0, and SLURM_ARRAY_TASK_COUNT).
    package static func autoShard(_ env: [String: String], shards: Int?) -> Result<(k: Int, n: Int, source: String), CIProblem> {
        func int(_ key: String) -> Int? { env[key].flatMap { Int($0.trimmingWhitespace) } }
        func check(_ k: Int, _ n: Int, _ source: String) -> Result<(k: Int, n: Int, source: String), CIProblem> {
            guard n >= 1, k >= 1, k <= n else { return .failure(CIProblem("--shard auto: \(source) gives shard \(k) of \(n), not 1…\(n)")) }
            return .success((k, n, source))
        }
        // (engine, index variable, its value, where it counts from, total variable, its value);
        // nil total variable: N from --shards or TICKETRUSH_SHARDS. Bases checked with each engine's docs.
        let sources: [(String, String, Int?, Int, String?, Int?)] = [
            ("GitLab", "CI_NODE_INDEX", int("CI_NODE_INDEX"), 1, "CI_NODE_TOTAL", int("CI_NODE_TOTAL")),
            ("CircleCI", "CIRCLE_NODE_INDEX", int("CIRCLE_NODE_INDEX"), 0, "CIRCLE_NODE_TOTAL", int("CIRCLE_NODE_TOTAL")),
            ("Buildkite", "BUILDKITE_PARALLEL_JOB", int("BUILDKITE_PARALLEL_JOB"), 0, "BUILDKITE_PARALLEL_JOB_COUNT", int("BUILDKITE_PARALLEL_JOB_COUNT")),
            ("Bitbucket", "BITBUCKET_PARALLEL_STEP", int("BITBUCKET_PARALLEL_STEP"), 0, "BITBUCKET_PARALLEL_STEP_COUNT", int("BITBUCKET_PARALLEL_STEP_COUNT")),
            ("Semaphore", "SEMAPHORE_JOB_INDEX", int("SEMAPHORE_JOB_INDEX"), 1, "SEMAPHORE_JOB_COUNT", int("SEMAPHORE_JOB_COUNT")),
            ("Kubernetes", "JOB_COMPLETION_INDEX", int("JOB_COMPLETION_INDEX"), 0, nil, nil),
            ("AWS Batch", "AWS_BATCH_JOB_ARRAY_INDEX", int("AWS_BATCH_JOB_ARRAY_INDEX"), 0, nil, int("AWS_BATCH_JOB_ARRAY_SIZE")),
        ]
        for (engine, name, value, base, totalName, totalValue) in sources {
            guard let index = value else { continue }
            if let totalName {
                guard let total = totalValue else { return .failure(CIProblem("--shard auto: \(name) is set but \(totalName) is not")) }
                return check(index - base + 1, total, "\(engine) \(name)=\(index)/\(totalName)=\(total)")
            }
            guard let total = shards ?? int("TICKETRUSH_SHARDS") ?? totalValue else {
                return .failure(CIProblem("--shard auto: \(engine) (\(name)) needs the total: pass --shards N (the job's count) or set TICKETRUSH_SHARDS"))
            }
            return check(index - base + 1, total, "\(engine) \(name)=\(index) of \(total)")
        }
        if let id = int("SLURM_ARRAY_TASK_ID") {
            guard let count = int("SLURM_ARRAY_TASK_COUNT") else { return .failure(CIProblem("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")) }
            let min = int("SLURM_ARRAY_TASK_MIN") ?? 0
            return check(id - min + 1, count, "Slurm SLURM_ARRAY_TASK_ID=\(id) (from \(min)) of SLURM_ARRAY_TASK_COUNT=\(count)")
        }
        let known = sources.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        return .failure(CIProblem("--shard auto: no shard in the environment (\(known), Slurm SLURM_ARRAY_TASK_ID); on GitHub Actions pass --shard ${{ matrix.shard }}/N"))
    }

    /// `--rerun-failed`: the cells of the previous run in `folder` that did not pass, with the
    /// files they came from and the seed each ran with.
    package static func failedCells(in folder: String) -> Result<(files: [String], seeds: [String: UInt64]), CIProblem> {
        let path = "\(folder)/trials.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(CIProblem("--rerun-failed: no \(path): run once with --reports \(folder) first"))
        }
        let previous: RunResults
        do { previous = try RunResults.read(data) } catch { return .failure(CIProblem("--rerun-failed: cannot read \(path): \(error)")) }
        var seeds: [String: UInt64] = [:], files: [String] = []
        let ran = Set(previous.cells.map(\.record.name))
        for record in previous.cellRecords {
            let cell = previous.cells.first { $0.record.name == record.name }
            // Not passed, or (a cut-short run) never got to run.
            let failed = cell.map { !$0.report.passed || $0.trials.count < record.trials && previous.incomplete != nil }
                ?? (previous.incomplete != nil && !ran.contains(record.name))
            guard failed else { continue }
            seeds[record.name] = record.seed
            if let file = record.file, !files.contains(file) { files.append(file) }
        }
        return .success((files, seeds))
    }

    /// Of the files a previous run's trials.json names, those `--rerun-failed` must not run
    /// without `--trust-reports`: a reports folder is data (a downloaded CI artifact, a shared
    /// folder) and a scenario file is code, so a file runs only when the user named it (or a
    /// folder holding it) or it lies under the current folder, and never from inside the
    /// reports folder itself unless named. Symbolic links are resolved first.
    package static func untrustedFiles(_ files: [String], named: [String], reports: String,
                                      cwd: String = FileManager.default.currentDirectoryPath) -> [String] {
        func real(_ path: String) -> String {
            let absolute = path.hasPrefix("/") ? path : "\(cwd)/\(path)"
            guard let resolved = realpath(absolute, nil) else { return resolvingLinks(absolute) }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        func within(_ path: String, _ root: String) -> Bool {
            path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
        }
        let roots = named.map(real), here = real(cwd), data = real(reports)
        return files.filter { file in
            let path = real(file)
            if roots.contains(where: { within(path, $0) }) { return false }
            return within(path, data) || !within(path, here)
        }
    }
}
