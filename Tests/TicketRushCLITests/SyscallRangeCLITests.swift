import Foundation
import TicketRushTestSupport
import XCTest

/// The ranged filter of `control: syscalls` (docs/programs.md, "Which calls are held"): a file
/// store's descriptors are the runner's to number, in a range the seccomp filter tells apart,
/// and a store descriptor copied out of that range sends the schedule back to the full filter.
/// What is asserted is what the program's own calls show (its descriptor numbers, the steps
/// its writes were), never timing.
final class SyscallRangeCLITests: XCTestCase {
    override func setUpWithError() throws {
        try RunSummary.skipUnlessUserNotification()
    }

    /// A Python buyer that opens the store, says which descriptor it got, locks it, reads it,
    /// and (`dup`) copies it onto descriptor 9 and writes the decremented count through that copy.
    private func scenario(_ dir: URL, dup: Bool) throws -> String {
        let program = try CLI.write("""
            import fcntl, json, os, sys
            f = open(sys.argv[1], "r+")
            print("fd %d" % f.fileno(), flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
            count = json.loads(f.read())["count"]
            if count > 0:
                if sys.argv[2] == "dup":
                    os.dup2(f.fileno(), 9)
                    os.ftruncate(9, 0)
                    os.pwrite(9, json.dumps({"count": count - 1}).encode(), 0)
                else:
                    f.seek(0)
                    f.truncate()
                    f.write(json.dumps({"count": count - 1}))
                print("bought", flush=True)
            else:
                print("sold out", flush=True)
            f.close()

            """, to: "buy.py", in: dir)
        return try CLI.write("""
            name: ranged
            tickets: 1
            buyers: {count: 2, command: [python3, "\(program)", "{storage}", "\(dup ? "dup" : "plain")"], control: syscalls}
            storage: {kind: json, path: db.json}
            outcomes: {bought: '^bought$', sold-out: '^sold out$', error: '^Traceback'}
            schedule: {strategy: random, runs: 4}
            seed: 1
            invariants: [no-oversell, conservation]

            """, to: "ranged.yaml", in: dir)
    }

    private func descriptors(_ transcript: String) -> Set<Int> {
        Set(transcript.split(separator: "\n").compactMap { line in
            line.range(of: "| fd ").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
        })
    }

    /// The store's descriptor is numbered from 1000 down (the runner opened it and put it
    /// there); before the ranged filter it was the lowest free number (3 or 4).
    func testTheStoresDescriptorIsInTheReservedRange() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, dup: false)
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path,
                             "--work", dir.appendingPathComponent("w").path, "--transcript"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(descriptors(r.stdout), [1000], r.stdout)
    }

    /// A store descriptor dup'ed onto 9, below the range, where the ranged filter cannot see
    /// it: the schedule is run again with every descriptor call held, so the write through the
    /// copy is a step (purchase.write in the history) and the verdict is the full filter's.
    func testAStoreDescriptorCopiedBelowTheRangeRunsTheScheduleWithEveryCallHeld() throws {
        let dir = try CLI.temporaryFolder(self)
        let file = try scenario(dir, dup: true)
        let events = dir.appendingPathComponent("events")
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path, "--work", dir.appendingPathComponent("w").path,
                             "--events", events.path, "--transcript"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        // Every schedule judged ran under the full filter: the store's descriptor was the
        // lowest free number (Python's own start-up holds one or two), not the runner's.
        let numbers = descriptors(r.stdout)
        XCTAssertFalse(numbers.isEmpty, r.stdout)
        XCTAssertTrue(numbers.allSatisfy { $0 < 10 }, "\(numbers)\n" + r.stdout)
        for trial in 1...4 {
            let log = try String(contentsOf: events.appendingPathComponent("ranged/trial-\(trial).jsonl"), encoding: .utf8)
            XCTAssertTrue(log.contains("\"purchase.write\""), "trial \(trial): the write through descriptor 9 is a step\n\(log)")
        }
        // Said, not silent: the cell's coverage names the schedule and the copy.
        XCTAssertTrue(r.stdout.contains("from schedule 1, the schedules the ranged syscall filter could not follow ran again with every descriptor call held (schedule 1: dup2 of the store's descriptor 1000 onto 9)"), r.stdout)
        XCTAssertEqual(CLI.processes(inside: dir.appendingPathComponent("w")), [])
    }

    /// examples/unmodified/shell/buy.sh writes the store by `echo … > "$doc"`: the shell opens
    /// the document and dup2s it onto 1. Its echo's write is still a step (the story shows
    /// it), and the race is still found in some interleaving, the search complete.
    func testAShellRedirectionOntoTheStoreIsStillGated() throws {
        let dir = try CLI.temporaryFolder(self)
        let reports = dir.appendingPathComponent("r")
        let r = try CLI.run(["run", "\(CLI.repositoryRoot.path)/examples/unmodified/shell/race.yaml", "--reports", reports.path,
                             "--work", dir.appendingPathComponent("w").path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("write ← 0 → bought"), "the redirected echo's write is a step in the story\n" + r.stdout)
        let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let schedule = try XCTUnwrap((summary["cells"] as? [[String: Any]])?.first?["schedule"] as? [String: Any])
        XCTAssertEqual(schedule["complete"] as? Bool, true)
        XCTAssertGreaterThan(schedule["violating"] as? Int ?? 0, 0)
    }
}
