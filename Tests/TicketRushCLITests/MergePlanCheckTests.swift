import Foundation
import XCTest

/// `merge` re-checks each trial of a shard against its plan (issue 19, item 7): emptied
/// verdicts, a seed the plan does not give and an impossible count are refused (exit 2),
/// never merged into "0 in 0 trials … met". The binary of 58754c5 merged all three, exit 0.
final class MergePlanCheckTests: XCTestCase {
    func testMergeRefusesTrialsThatDoNotFitTheirPlan() throws {
        let folder = try CLI.temporaryFolder(self)
        let file = try CLI.write("name: m\ntickets: 1\nbuyers: 3\nlock: flock\nstorage: {write: atomic}\nseed: 1\ntrials: 2\n",
                                 to: "m.yaml", in: folder)
        let shard = folder.appendingPathComponent("s1"), trials = shard.appendingPathComponent("trials.json")
        let ran = try CLI.run(["run", file, "--shard", "1/1", "--reports", shard.path, "--quiet"])
        XCTAssertEqual(ran.status, 0, ran.stdout + ran.stderr)
        let original = try String(contentsOf: trials, encoding: .utf8)
        func merged() throws -> CLI.Result {
            try CLI.run(["merge", shard.path, "--reports", folder.appendingPathComponent("merged").path, "--quiet"])
        }
        XCTAssertEqual(try merged().status, 0, "the untouched shard merges as it ran")
        let edits: [(String, String, String)] = [
            (#""results":\[.*?\],"retries""#, #""results":[],"retries""#, "it judges [], the scenario [no-oversell"),
            (#"("scenario":"m","seed":)\d+"#, "$112345", "seed 12345, where the plan gives"),
            (#""sold":\d+,"time"#, #""sold":1000000000000000000,"time"#, "sold 1000000000000000000, more than 3 buyers"),
        ]
        for (pattern, replacement, words) in edits {
            let regex = try NSRegularExpression(pattern: pattern)
            let edited = regex.stringByReplacingMatches(in: original, range: NSRange(original.startIndex..., in: original), withTemplate: replacement)
            XCTAssertNotEqual(edited, original, "the edit \(pattern) changed nothing")
            try edited.write(to: trials, atomically: true, encoding: .utf8)
            let r = try merged()
            XCTAssertEqual(r.status, 2, "\(pattern): \(r.stdout)\(r.stderr)")
            XCTAssertTrue(r.stderr.contains("does not fit its plan: \(words)"), r.stderr)
            XCTAssertFalse(r.stdout.contains("expectations met"), r.stdout)
        }
    }
}
