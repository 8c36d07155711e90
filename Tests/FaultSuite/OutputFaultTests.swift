import Foundation
import TicketRushTestSupport
import XCTest

/// Reports and work folders under attack: planted links, a full disk, two runs at once,
/// bad output paths. Each case checks the documented exit code, that nothing outside the
/// run's folders changed, and that the reports are the previous ones or new complete ones.
final class OutputFaultTests: XCTestCase {
    static let reportNames = ["junit.xml", "results.csv", "summary.json", "index.html", "trials.json"]

    /// A fast scenario: two buyers, one ticket, a lock, atomic writes (no torn read), no delays.
    func scenario(in folder: URL, name: String = "fast", trials: Int = 2, extra: String = "") throws -> String {
        try FaultCLI.write("""
            name: "\(name)"
            tickets: 1
            buyers: 2
            lock: flock
            storage: {write: atomic}
            trials: \(trials)
            seed: 7
            \(extra)
            """, to: "\(name.filter { $0.isLetter }).yaml", in: folder)
    }

    func reports(_ folder: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        for name in Self.reportNames { out[name] = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) }
        return out
    }

    /// Either every report is what it was, or every one is new: never a mix.
    func assertNotMixed(_ before: [String: Data], _ after: [String: Data], file: StaticString = #filePath, line: UInt = #line) {
        let same = Self.reportNames.filter { before[$0] != nil && before[$0] == after[$0] }
        XCTAssert(same.isEmpty || same.count == Self.reportNames.count, "reports mixed: unchanged \(same), changed the rest", file: file, line: line)
    }

    func leftovers(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.contains(".tmp") }
    }

    /// Item 3: a link planted at any report path is not written through.
    func testLinkAtEveryReportPathIsRefused() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try scenario(in: tmp)
        let reportsDir = tmp.appendingPathComponent("reports")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"]))
        for name in Self.reportNames {
            let before = reports(reportsDir)
            let target = try FaultCLI.write("precious \(name)\n", to: "target-\(name)", in: tmp)
            let link = reportsDir.appendingPathComponent(name)
            try FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
            let r = try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"])
            XCTAssertEqual(r.status, 3, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("symbolic link"), r.stderr)
            XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "precious \(name)\n", "the link's target was written")
            var after = reports(reportsDir)
            after[name] = before[name]
            assertNotMixed(before, after)
            XCTAssertEqual(leftovers(reportsDir), [])
            try FileManager.default.removeItem(at: link)
            try Data(before[name]!).write(to: link)
        }
    }

    /// Item 3: --junit PATH and --events files through a link.
    func testLinkAtJUnitPathAndEventsFileIsRefused() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try scenario(in: tmp)
        let target = try FaultCLI.write("precious\n", to: "target", in: tmp)
        let junit = tmp.appendingPathComponent("out/j.xml")
        try FileManager.default.createDirectory(at: junit.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: junit.path, withDestinationPath: target)
        var r = try FaultCLI.run(["run", file, "--reports", tmp.appendingPathComponent("r1").path, "--junit", junit.path, "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        let events = tmp.appendingPathComponent("events/fast")
        try FileManager.default.createDirectory(at: events, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: events.appendingPathComponent("trial-1.jsonl").path, withDestinationPath: target)
        r = try FaultCLI.run(["run", file, "--reports", tmp.appendingPathComponent("r2").path, "--events", tmp.appendingPathComponent("events").path, "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "precious\n")
        // The events folder itself as a link: refused before the first trial.
        let elsewhere = tmp.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tmp.appendingPathComponent("ev2").path, withDestinationPath: elsewhere.path)
        r = try FaultCLI.run(["run", file, "--reports", tmp.appendingPathComponent("r3").path, "--events", "ev2", "--quiet"], in: tmp)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path), [])
    }

    /// Item 3: a link at WORK/SCENARIO is not followed, and nothing under its target removed.
    func testLinkAtWorkScenarioFolderIsRefused() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try scenario(in: tmp)
        let reportsDir = tmp.appendingPathComponent("reports"), work = tmp.appendingPathComponent("work")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"]))
        let before = reports(reportsDir)
        let victim = tmp.appendingPathComponent("victim/trial-1")
        try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
        try FaultCLI.write("keep\n", to: "keep", in: victim)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("fast").path,
                                                   withDestinationPath: tmp.appendingPathComponent("victim").path)
        let r = try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--work", work.path, "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: victim.appendingPathComponent("keep").path), "a trial folder was removed through the link")
        XCTAssertEqual(reports(reportsDir), before, "a refused run leaves the previous reports")
    }

    /// Items 3 and 7: a full disk under the reports leaves the previous reports whole.
    func testFullDiskKeepsThePreviousReports() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try scenario(in: tmp, trials: 1)
        let disk = tmp.appendingPathComponent("disk")
        try FaultCLI.mountTmpfs(at: disk, size: "64k", self)
        let reportsDir = disk.appendingPathComponent("reports")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"]))
        let before = reports(reportsDir)
        // Fill the disk, leaving a little room: some reports fit, not all.
        let filler = FileHandle(forWritingAtPath: { XCTAssertTrue(FileManager.default.createFile(atPath: disk.appendingPathComponent("fill").path, contents: nil)); return disk.appendingPathComponent("fill").path }())!
        let chunk = Data(count: 1024)
        var written = 0
        while true {
            do { try filler.write(contentsOf: chunk); written += 1 } catch { break }
            if written > 100 { break }
        }
        try filler.synchronize()
        try filler.truncate(atOffset: UInt64(max(0, written - 6)) * 1024)
        try filler.close()
        let r = try FaultCLI.run(["run", file, "--trials", "3", "--reports", reportsDir.path, "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(reports(reportsDir), before, "a report was cut or replaced on a full disk")
        XCTAssertEqual(leftovers(reportsDir), [], "temp files left behind")
    }

    /// A full disk under the work folder: exit 3, and the reports are never a mix.
    func testFullDiskUnderWork() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try scenario(in: tmp, trials: 1)
        let disk = tmp.appendingPathComponent("disk")
        try FaultCLI.mountTmpfs(at: disk, size: "64k", self)
        let reportsDir = tmp.appendingPathComponent("reports")
        FaultCLI.expectSuccess(try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--quiet"]))
        let before = reports(reportsDir)
        try Data(count: 64 * 1024).write(to: disk.appendingPathComponent("fill"))
        let r = try FaultCLI.run(["run", file, "--reports", reportsDir.path, "--work", disk.appendingPathComponent("work").path, "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        assertNotMixed(before, reports(reportsDir))
    }

    /// A scenario whose two program buyers wait at a gate file before buying: a run of it
    /// holds its folders' run locks until the test creates `gate` — the first run cannot
    /// end before the second has been seen waiting, however loaded the machine.
    func gatedScenario(in folder: URL, gate: URL) throws -> String {
        let buyer = FaultCLI.repositoryRoot.appendingPathComponent("examples/shell/buy.sh").path
        return try FaultCLI.write("""
            name: "slow"
            tickets: 1
            buyers:
              count: 2
              name: "b{n}"
              command: [sh, -c, 'while [ ! -e "$0" ]; do sleep 0.01; done; exec sh "$1" "$2" --lock', "\(gate.path)", "\(buyer)", "{name}"]
            outcomes:
              search: '<(?<buyer>[^>]+)>用户 查看剩余票数为 \\[(?<value>\\d+)\\]'
              bought: '<(?<buyer>[^>]+)> 购票成功'
              sold-out: '<(?<buyer>[^>]+)> 没票了'
            trials: 1
            timeout: 120s
            """, to: "slow.yaml", in: folder)
    }

    /// Starts the gated run, waits until it holds the run lock of `lockedFolder`, then runs
    /// `second` until it says it waits for that lock, opens the gate and returns both results.
    func secondWaitsForFirst(first args: [String], lockedFolder: URL, gate: URL, second: [String]) throws -> (FaultCLI.Result, FaultCLI.Result) {
        let first = try FaultCLI.start(args, self)
        let lock = lockedFolder.appendingPathComponent(".ticketrush.lock")
        XCTAssertTrue(poll(within: 60) { ProcessTable.holdsFlock(first.pid, on: lock) || !first.isRunning },
                      "the first run never took \(lock.path)")
        XCTAssertTrue(first.isRunning, "the first run ended before the gate opened: \(first.standardError)")
        let waiting = try FaultCLI.start(second, self)
        let said = poll(within: 60) { waiting.standardError.contains("in use by another ticketrush run") || !waiting.isRunning }
        XCTAssertTrue(said && waiting.isRunning, "the second run must wait, saying so: \(waiting.standardError)")
        XCTAssertTrue(first.isRunning, "the first run cannot end while its buyers wait at the gate")
        XCTAssertTrue(FileManager.default.createFile(atPath: gate.path, contents: nil))
        return (try first.finish(), try waiting.finish())
    }

    /// Item 7: a second run into a reports folder in use waits for the first (saying so);
    /// the reports in the end are the second run's, whole, never a mix of both.
    func testTwoRunsIntoOneReportsFolder() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let gate = tmp.appendingPathComponent("gate")
        let slow = try gatedScenario(in: tmp, gate: gate)
        let fast = try scenario(in: tmp)
        let reportsDir = tmp.appendingPathComponent("reports")
        let (one, second) = try secondWaitsForFirst(first: ["run", slow, "--reports", reportsDir.path, "--quiet"], lockedFolder: reportsDir,
                                                   gate: gate, second: ["run", fast, "--reports", reportsDir.path, "--quiet"])
        XCTAssertEqual(one.status, 0, one.stdout + one.stderr)
        XCTAssertEqual(second.status, 0, second.stderr)
        let summary = try String(contentsOf: reportsDir.appendingPathComponent("summary.json"), encoding: .utf8)
        let junit = try String(contentsOf: reportsDir.appendingPathComponent("junit.xml"), encoding: .utf8)
        let csv = try String(contentsOf: reportsDir.appendingPathComponent("results.csv"), encoding: .utf8)
        let trials = try String(contentsOf: reportsDir.appendingPathComponent("trials.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"fast\"") && junit.contains("\"fast\"") && csv.contains("\nfast,") && trials.contains("\"fast\""))
        XCTAssertFalse(summary.contains("\"slow\"") || junit.contains("\"slow\"") || csv.contains("\nslow,") || trials.contains("\"slow\""),
                       "reports of two runs mixed")
    }

    /// Item 7: two runs into one --work folder: the second waits for the first.
    func testTwoRunsIntoOneWorkFolder() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let gate = tmp.appendingPathComponent("gate")
        let slow = try gatedScenario(in: tmp, gate: gate)
        let fast = try scenario(in: tmp)
        let work = tmp.appendingPathComponent("work")
        let (one, second) = try secondWaitsForFirst(
            first: ["run", slow, "--reports", tmp.appendingPathComponent("r1").path, "--work", work.path, "--quiet"], lockedFolder: work, gate: gate,
            second: ["run", fast, "--reports", tmp.appendingPathComponent("r2").path, "--work", work.path, "--quiet"])
        XCTAssertEqual(one.status, 0, one.stdout + one.stderr)
        XCTAssertEqual(second.status, 0, second.stderr)
    }

    /// Item 13: bad output paths are found before the first trial; --junit DIR names itself.
    func testBadOutputPathsFoundBeforeTheFirstTrial() throws {
        let tmp = try FaultCLI.temporaryFolder(self)
        let file = try scenario(in: tmp)
        let work = tmp.appendingPathComponent("work")
        var r = try FaultCLI.run(["run", file, "--reports", tmp.appendingPathComponent("r").path, "--junit", tmp.path, "--work", work.path, "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("--junit \(tmp.path)"), "names the --junit path: \(r.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("fast").path), "a trial ran before the paths were checked")
        let blocker = try FaultCLI.write("a file\n", to: "blocker", in: tmp)
        for args in [["--reports", "\(blocker)/reports"], ["--events", "\(blocker)/events"], ["--junit", "\(blocker)/j.xml"]] {
            r = try FaultCLI.run(["run", file, "--reports", tmp.appendingPathComponent("r").path, "--work", work.path, "--quiet"] + args)
            XCTAssertEqual(r.status, 3, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(blocker), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("fast").path), "\(args): a trial ran first")
        }
    }
}
