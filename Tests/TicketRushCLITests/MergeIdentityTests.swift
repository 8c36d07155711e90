import Foundation
import XCTest

/// `merge` of a single shard writes the run's own JUnit, CSV and HTML, byte for byte,
/// through the built binary. Format 2 stored the scenario without `program`, and a merged
/// controlled program cell said "at gate granularity (try-lock model)" where the run said
/// "a step being a program's code": the binary of 58754c5 fails this for the three
/// controlled program scenarios. Nothing is normalised: the JUnit timestamp is the run's
/// start, which the shard stores and the merge keeps.
final class MergeIdentityTests: XCTestCase {
    func testMergeOfTheOneShardOfEveryProgramScenarioIsByteIdenticalToTheRun() throws {
        let folder = try CLI.temporaryFolder(self)
        let run = folder.appendingPathComponent("run"), merged = folder.appendingPathComponent("merged")
        // One program scenario of every kind of cell — timing, patterns, protocol under
        // control, syscalls per buyer and whole program, kill at a time, each engine — not
        // every one: --trials caps no search, and the long searches (python-race-syscalls,
        // the SQLite syscall and controlled searches, psql-race-controlled: two of the three
        // minutes this took) have their own tests and give cells of the same kinds.
        // (python-flock and its protocol twin, now 20 random schedules of ten Python buyers
        // each, give cells of python-flock-syscalls' and python-race-controlled's kinds.)
        let kept = ["psql-atomic", "python-flock-syscalls", "python-race",
                    "python-race-controlled", "python-race-protocol", "python-tutorial-lock", "python-tutorial-lock-syscalls",
                    "python-tutorial-race", "redis-cli-atomic", "shell-flock", "shell-kill-at-time", "shell-race",
                    "shell-race-controlled", "sqlite-immediate", "sqlite-race-controlled"]
            .map { CLI.repositoryRoot.appendingPathComponent("scenarios/programs/\($0).yaml").path }
        // --jobs 2, as CI's catalogue runs: most of these trials wait on their buyers' sleeps,
        // and the run's reports are the same with any number of workers.
        let ran = try CLI.run(["run"] + kept + ["--seed", "7", "--trials", "2", "--shard", "1/1", "--jobs", "2", "--quiet",
                               "--reports", run.path, "--work", folder.appendingPathComponent("work").path], timeout: 600)
        XCTAssertTrue([0, 1].contains(ran.status), ran.stderr)
        let merge = try CLI.run(["merge", run.path, "--reports", merged.path, "--quiet"])
        XCTAssertEqual(merge.status, ran.status, merge.stderr)
        for name in ["junit.xml", "results.csv", "index.html"] {
            let a = try Data(contentsOf: run.appendingPathComponent(name)), b = try Data(contentsOf: merged.appendingPathComponent(name))
            XCTAssertGreaterThan(a.count, 0, name)
            XCTAssertTrue(a == b, "\(name) of the merge differs from the run's")
        }
        // The controlled program cells are there, with the sentence format 2 lost.
        let junit = try String(contentsOf: merged.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(junit.contains("a step being a program&apos;s code"), "no controlled program cell explored completely")
    }

    /// `--shard 1/1` is the whole run: an expected violation it did not see is a failure
    /// there, as in `merge` of it, not "pending" (the run exited 0 where its merge exited 1,
    /// and their reports differed, whenever a timing race missed in 2 trials under load).
    func testTheOneShardOfOneJudgesAsItsMerge() throws {
        let folder = try CLI.temporaryFolder(self)
        let run = folder.appendingPathComponent("run"), merged = folder.appendingPathComponent("merged")
        let file = try CLI.write("""
            name: locked
            tickets: 1
            buyers: 2
            lock: flock
            trials: 2
            seed: 1
            expect: {no-oversell: violated}
            """, to: "locked.yaml", in: folder)
        let ran = try CLI.run(["run", file, "--shard", "1/1", "--quiet", "--reports", run.path])
        XCTAssertEqual(ran.status, 1, ran.stdout + ran.stderr)
        let merge = try CLI.run(["merge", run.path, "--reports", merged.path, "--quiet"])
        XCTAssertEqual(merge.status, 1, merge.stdout + merge.stderr)
        for name in ["junit.xml", "results.csv", "index.html"] {
            let a = try Data(contentsOf: run.appendingPathComponent(name)), b = try Data(contentsOf: merged.appendingPathComponent(name))
            XCTAssertTrue(a == b, "\(name) of the merge differs from the run's")
        }
    }
}
