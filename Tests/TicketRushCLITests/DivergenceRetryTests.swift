import Foundation
import TicketRushTestSupport
import XCTest

/// An exhaustive search replays each schedule's prefix and checks that the program offers the
/// same enabled buyers it did before. A program whose first replay differs once (as a server
/// under load can show a buyer blocked that a moment later runs) is run again; only a
/// divergence in every attempt ends the search, and every rerun is said.
final class DivergenceRetryTests: XCTestCase {
    override func setUpWithError() throws {
        try RunSummary.skipUnlessUserNotification()
    }

    /// A buyer that reads the count and writes it back less one, except that b1's start
    /// number in `odd` (counted in a file outside the store) does not touch the store at all:
    /// at grant 1 only b2 is enabled.
    private func scenario(_ dir: URL, odd: [Int]) throws -> String {
        let program = try CLI.write("""
            import json, os, sys
            counter = sys.argv[2]
            n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
            with open(counter, "w") as c:
                c.write(str(n))
            if sys.argv[3] == "b1" and n in [\(odd.map(String.init).joined(separator: ", "))]:
                print("sold out", flush=True)
                sys.exit(0)
            f = open(sys.argv[1], "r+")
            count = json.loads(f.read())["count"]
            if count > 0:
                f.seek(0)
                f.truncate()
                f.write(json.dumps({"count": count - 1}))
                print("bought", flush=True)
            else:
                print("sold out", flush=True)
            f.close()

            """, to: "buy-odd.py", in: dir)
        return try CLI.write("""
            name: odd
            tickets: 1
            buyers: {count: 2, name: "b{n}", command: [python3, "\(program)", "{storage}", "\(dir.path)/count-\(odd.count)-{name}", "{name}"], control: syscalls}
            storage: {kind: json, path: db.json}
            outcomes: {bought: '^bought$', sold-out: '^sold out$', error: '^Traceback'}
            schedule: {strategy: exhaustive, runs: 4, shrink: 0}
            invariants: [no-oversell, conservation]
            expect: {no-oversell: violated, conservation: violated}

            """, to: "odd-\(odd.count).yaml", in: dir)
    }

    /// b1's second start (the second schedule's first attempt) differs: that schedule runs
    /// again, the search gives the schedules and verdicts of a program that never differed,
    /// and the rerun is said on stderr.
    func testAScheduleWhosePrefixDivergesOnceRunsAgain() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try CLI.run(["run", try scenario(dir, odd: [2]), "--reports", dir.appendingPathComponent("r").path], timeout: 300)
        XCTAssertTrue(r.stderr.contains("odd: schedule 2, attempt 1 of 3: exhaustive search: at grant 1 the enabled buyers differ"), r.stderr)
        // Judged (the search's first 4 schedules: no verdict is the exit 2 or 3 of an error),
        // and the same as the search with no odd start.
        XCTAssertTrue([0, 1].contains(r.status), r.stdout + r.stderr)
        let plain = try CLI.run(["run", try scenario(dir, odd: []), "--reports", dir.appendingPathComponent("r2").path], timeout: 300)
        XCTAssertEqual(plain.status, r.status, plain.stdout + plain.stderr)
        XCTAssertEqual(schedules(r.stdout), schedules(plain.stdout))
        XCTAssertNotNil(schedules(plain.stdout))
    }

    /// A divergence in every attempt ends the search with no verdict (exit 3), never a pass.
    func testAScheduleThatDivergesInEveryAttemptHasNoVerdict() throws {
        let dir = try CLI.temporaryFolder(self)
        let r = try CLI.run(["run", try scenario(dir, odd: [2, 3, 4]), "--reports", dir.appendingPathComponent("r").path], timeout: 300)
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains("PASS"), r.stdout)
        XCTAssertTrue(r.stderr.contains("attempt 2 of 3"), r.stderr)
        XCTAssertTrue((r.stdout + r.stderr).contains("uncontrolled nondeterminism"), r.stdout + r.stderr)
    }

    /// The shell buyer's `> "$doc"` escapes the ranged filter, so its first schedule runs
    /// again under the full one, its grants so far replayed; b1 differing in that rerun (its
    /// second start) is a divergence like any other: run again, not "the strategy chose a
    /// buyer that is not enabled" (exit 2).
    func testADivergenceInTheFullFilterRerunRunsAgain() throws {
        let dir = try CLI.temporaryFolder(self)
        let wrapper = try CLI.write("""
            #!/bin/sh
            n=$(cat "$2" 2>/dev/null || echo 0)
            n=$((n + 1))
            echo "$n" > "$2"
            if [ "$3" = b1 ] && [ "$n" = 2 ]; then echo "sold out"; exit 0; fi
            exec sh "\(CLI.repositoryRoot.path)/examples/unmodified/shell/buy.sh" "$1"

            """, to: "buy-odd.sh", in: dir)
        let file = try CLI.write("""
            name: odd-shell
            tickets: 1
            buyers: {count: 2, name: "b{n}", command: [sh, "\(wrapper)", "{storage}", "\(dir.path)/count-{name}", "{name}"], control: syscalls}
            storage: {kind: json, path: db.json}
            outcomes: {bought: '^bought$', sold-out: '^sold out$'}
            schedule: {strategy: exhaustive, runs: 2, shrink: 0}
            invariants: [no-oversell]

            """, to: "odd-shell.yaml", in: dir)
        let r = try CLI.run(["run", file, "--reports", dir.appendingPathComponent("r").path], timeout: 300)
        XCTAssertTrue([0, 1].contains(r.status), r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("odd-shell: schedule 1, attempt 1 of 3: under the full filter, at grant 1 the enabled buyers differ"), r.stderr)
    }

    private func schedules(_ out: String) -> String? {
        out.split(separator: "\n").first { $0.contains("exhaustive: ") }.map { String($0.drop { $0 != "e" }) }
    }
}
