import Foundation
import XCTest
import TicketRushFormat
import TicketRushModel
import TicketRushProcess
import TicketRushTestSupport
@testable import TicketRushRunner

/// `control: syscalls` (docs/programs.md, "Three kinds of control"): the format's key, the
/// classifier that tells a store call from the rest, and the document's value in a buffer.
final class SyscallControlTests: XCTestCase {
    static let base = "name: t\ntickets: 1\n"

    func diagnostics(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map {
            "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
        }
    }

    func testControlIsLoadedForBothModes() throws {
        let perBuyer = try ScenarioLoader().load(data: Data((Self.base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\nschedule: random\n").utf8), path: "t.yaml")
        XCTAssertEqual(perBuyer.first?.program?.control, .syscalls)
        XCTAssertEqual(perBuyer.first?.program?.isControllable, true)
        let whole = try ScenarioLoader().load(data: Data((Self.base + "buyers: 2\nprogram: {command: [sh, x.sh], control: syscalls}\noutcomes: {bought: '^b'}\nschedule: exhaustive\n").utf8), path: "t.yaml")
        XCTAssertEqual(whole.first?.program?.control, .syscalls)
        XCTAssertEqual(whole.first?.program?.isControllable, true, "syscall control holds a whole program and a pattern program too")
        let plain = try ScenarioLoader().load(data: Data((Self.base + "buyers: {count: 2, command: [sh, x.sh]}\n").utf8), path: "t.yaml")
        XCTAssertEqual(plain.first?.program?.control, .protocol, "protocol is today's behaviour and the default")
    }

    func testBadControlValuesAreLocated() {
        XCTAssertEqual(diagnostics(Self.base + "buyers: {count: 2, command: [sh, x.sh], control: ptrace}\nschedule: random\n"),
                       ["3:50: error: 'buyers.control' must be one of protocol, syscalls, got 'ptrace'"])
        XCTAssertEqual(diagnostics(Self.base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\n"),
                       ["3:50: error: 'buyers.control: syscalls' needs a controlled schedule (schedule: {strategy: random | pct | exhaustive}): under timing no system call is held, so nothing would be controlled; drop 'control' to run the program by timing"])
        XCTAssertEqual(diagnostics(Self.base + "buyers: {count: 2, control: syscalls}\nschedule: random\n"),
                       ["3:29: error: 'buyers.control' needs 'buyers.command': only a program of yours is controlled by protocol or syscalls"])
        XCTAssertEqual(diagnostics(Self.base + "buyers: 2\nprogram: {command: [sh, x.sh], control: syscalls}\nschedule: {strategy: timing}\n"),
                       ["4:41: error: 'program.control: syscalls' needs a controlled schedule (schedule: {strategy: random | pct | exhaustive}): under timing no system call is held, so nothing would be controlled; drop 'control' to run the program by timing"])
    }

    /// A fault at a step lands at the buyer's next held call, a whole program's too under
    /// syscalls (its steps are its `outcomes` lines); a time offset has no clock under control.
    func testFaultsAtAStepAreTakenUnderSyscallControl() {
        XCTAssertEqual(diagnostics(Self.base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\nschedule: random\nfaults: [{kill: {probability: 1, at: search.read}}]\n"), [])
        // lock.mode is the built-in buyer's: a program is seen taking its own lock.
        XCTAssertEqual(diagnostics(Self.base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\nschedule: random\nfaults: [{kill: {probability: 1, at: lock.acquired, limit: 1}}]\n"), [])
        XCTAssertEqual(diagnostics(Self.base + "buyers: 2\nfaults: [{kill: {probability: 1, at: lock.acquired}}]\n").count, 1, "built-in buyers without a lock never report it")
    }

    /// A whole program's faults: taken under syscalls at a step its `outcomes` patterns
    /// report, refused at that step otherwise and under protocol control, each located.
    func testAWholeProgramsFaultsNeedSyscallsAndAStepItsPatternsReport() {
        let whole = Self.base + "buyers: 2\nprogram: {command: [sh, x.sh], control: syscalls}\nschedule: random\n"
        let lines = "outcomes: {search: '<(?<buyer>.+)> (?<value>\\\\d+)', bought: '<(?<buyer>.+)> ok'}\n"
        XCTAssertEqual(diagnostics(whole + lines + "faults: [{kill: {probability: 1, at: search.read, limit: 1}}]\n"), [])
        XCTAssertEqual(diagnostics(whole + lines + "faults: [{kill: {buyers: [2], at: bought}}, {stall: {buyers: [1], at: search.read, for: 1s}}]\n"), [])
        XCTAssertEqual(diagnostics(whole + lines + "faults:\n  - kill: {probability: 1, at: lock.acquired}\n"),
                       ["8:32: error: 'faults[0].kill.at' names lock.acquired, but a whole program's steps are the lines its 'outcomes' patterns match (it has bought, search): the fault would never fire; add an 'outcomes' pattern for it, with a buyer group"])
        XCTAssertEqual(diagnostics(whole + "faults: [{kill: {probability: 1, at: search.read}}]\n"),
                       ["6:38: error: 'faults[0].kill.at' names search.read, but a whole program's steps are the lines its 'outcomes' patterns match (it has none): the fault would never fire; add an 'outcomes' pattern for it, with a buyer group"])
        let protocolWhole = Self.base + "buyers: 2\nprogram: {command: [sh, x.sh]}\n" + lines + "faults: [{kill: {probability: 1, at: search.read}}]\n"
        XCTAssertEqual(diagnostics(protocolWhole),
                       ["6:9: error: 'faults' cannot target the buyers a whole program starts itself under control: protocol (the runner cannot tell which of its processes is which buyer): use buyers.command, or program.control: syscalls with a controlled schedule, where each process is parked at its store calls"])
    }

    /// SQLite with a rollback journal is seen whole through its file calls and fcntl locks;
    /// WAL's shared-memory index is mapped memory, so it is refused, located at the journal.
    func testSyscallControlTakesSQLiteWithARollbackJournalOnly() {
        let syscalls = Self.base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\n"
        XCTAssertEqual(diagnostics(syscalls + "storage: {kind: sqlite}\nschedule: random\n"), [])
        XCTAssertEqual(diagnostics(syscalls + "storage: {kind: sqlite, journal: delete}\nschedule: random\n"), [])
        XCTAssertEqual(diagnostics(syscalls + "storage: {kind: sqlite, journal: wal}\nschedule: random\n"),
                       ["4:34: error: 'buyers.control: syscalls' cannot see SQLite's journal wal: its shared-memory index (the -shm file) is read and written through mapped memory, which no system call gates; use storage.journal delete, or control: protocol"])
        // A server's statements are the steps (SyscallNetworkTests).
        XCTAssertEqual(diagnostics(syscalls + "storage: {kind: redis}\nschedule: random\n"), [])
        XCTAssertEqual(diagnostics(syscalls + "storage: {kind: json}\nschedule: random\n"), [])
    }

    /// A whole program under a strategy is refused under protocol control, accepted under syscalls.
    func testSyscallControlLiftsTheGateRefusals() {
        XCTAssertEqual(diagnostics(Self.base + "buyers: 2\nprogram: {command: [sh, x.sh], control: syscalls}\nschedule: random\n"), [])
        XCTAssertEqual(diagnostics(Self.base + "buyers: {count: 2, command: [sh, x.sh], control: syscalls}\noutcomes: {bought: '^b'}\nschedule: random\n"), [])
        XCTAssertEqual(diagnostics(Self.base + "buyers: 2\nprogram: {command: [sh, x.sh]}\nschedule: random\n").count, 1)
    }

    /// A kernel without user_notif is named, with what it offers (the run then exits 3).
    func testAKernelWithoutUserNotificationIsRefusedWithWhy() throws {
        let dir = try TestFiles.temporaryFolder(self)
        let without = dir.appendingPathComponent("without"), with = dir.appendingPathComponent("with")
        try "kill_process kill_thread trap errno trace log allow\n".write(to: without, atomically: true, encoding: .utf8)
        try "kill_process kill_thread trap errno user_notif trace log allow\n".write(to: with, atomically: true, encoding: .utf8)
        XCTAssertEqual(Seccomp.unavailable(actionsFile: without.path),
                       "control: syscalls needs seccomp user notification, which this kernel does not offer (\(without.path) lists: kill_process kill_thread trap errno trace log allow); Linux 5.5 or later with CONFIG_SECCOMP_FILTER")
        XCTAssertNil(Seccomp.unavailable(actionsFile: with.path))
        XCTAssertNotNil(Seccomp.unavailable(actionsFile: dir.appendingPathComponent("missing").path))
    }

    // MARK: the classifier

    let folder = "/w/s/trial-1"

    func caller(fds: [Int32: String], cwd: String = "/w/s/trial-1", strings: [UInt64: String] = [:], lockType: Int16 = Int16(F_WRLCK),
                lockFd: Int32? = nil) -> SyscallClassifier.Caller {
        SyscallClassifier.Caller(fdPath: { fds[$0] }, cwd: { cwd }, string: { strings[$0] }, lockType: { _ in lockType },
                                 locksThrough: { $0 == lockFd })
    }

    func classify(_ nr: Int32, _ args: [UInt64], _ c: SyscallClassifier.Caller) -> SyscallStep {
        SyscallClassifier(folder: folder).classify(nr: nr, args: args + [UInt64](repeating: 0, count: 6 - args.count), c)
    }

    func testFilesInTheTrialFolderAreTheStore() {
        let c = SyscallClassifier(folder: folder)
        XCTAssertTrue(c.isStore("/w/s/trial-1/db.json"))
        XCTAssertTrue(c.isStore("/w/s/trial-1/db.json.tmp (deleted)"))
        XCTAssertFalse(c.isStore("/w/s/trial-1"))
        XCTAssertFalse(c.isStore("/w/s/trial-1/sub/db.json"))
        XCTAssertFalse(c.isStore("/w/s/trial-10/db.json"))
        XCTAssertFalse(c.isStore("/usr/lib/python3.12/json/__init__.py"))
        XCTAssertFalse(c.isStore("pipe:[1234]"))
    }

    func testOpenIsResolvedAgainstItsDirectory() {
        let strings: [UInt64: String] = [1: "db.json", 2: "./x/../db.json", 3: "/usr/lib/libc.so.6", 4: "db.json"]
        let c = caller(fds: [7: "/elsewhere"], strings: strings)
        XCTAssertEqual(classify(SyscallNumber.openat, [UInt64(bitPattern: -100), 1, 0], c), .step(.read, SyscallCall(kind: .open, name: "open", fd: nil)))
        XCTAssertEqual(classify(SyscallNumber.openat, [UInt64(bitPattern: -100), 2, UInt64(O_WRONLY | O_TRUNC)], c),
                       .step(.truncate, SyscallCall(kind: .truncate, name: "open(O_TRUNC)", fd: nil)))
        XCTAssertEqual(classify(SyscallNumber.openat, [UInt64(bitPattern: -100), 3, 0], c), .pass)
        XCTAssertEqual(classify(SyscallNumber.openat, [7, 4, 0], c), .pass, "relative to a directory descriptor elsewhere")
    }

    func testDescriptorCallsOnTheStoreAreSteps() {
        let c = caller(fds: [3: "/w/s/trial-1/db.json", 1: "pipe:[9]", 5: "/w/s/trial-1/db.json"], lockFd: 5)
        XCTAssertEqual(classify(SyscallNumber.read, [3, 0, 100], c), .step(.read, SyscallCall(kind: .read, name: "read", fd: 3)))
        XCTAssertEqual(classify(SyscallNumber.write, [3, 0, 100], c), .step(.write, SyscallCall(kind: .write, name: "write", fd: 3)))
        XCTAssertEqual(classify(SyscallNumber.write, [1, 0, 100], c), .pass, "stdout is no step")
        XCTAssertEqual(classify(SyscallNumber.close, [3], c), .step(.read, SyscallCall(kind: .close, name: "close", fd: 3)))
        XCTAssertEqual(classify(SyscallNumber.close, [5], c), .step(.release, SyscallCall(kind: .release, name: "close", fd: 5)),
                       "closing the descriptor that holds the lock gives it up")
        XCTAssertEqual(classify(SyscallNumber.flock, [3, UInt64(LOCK_EX)], c), .step(.acquire, SyscallCall(kind: .acquire, name: "flock", fd: 3)))
        XCTAssertEqual(classify(SyscallNumber.flock, [3, UInt64(LOCK_UN)], c), .step(.release, SyscallCall(kind: .release, name: "flock(LOCK_UN)", fd: 3)))
        XCTAssertEqual(classify(SyscallNumber.fcntl, [3, UInt64(F_GETFL)], c), .pass)
        XCTAssertEqual(classify(SyscallNumber.fcntl, [3, UInt64(F_SETLKW), 64], c), .step(.acquire, SyscallCall(kind: .acquire, name: "fcntl lock", fd: 3)))
        // A try-lock (SQLite's) never waits: a step the kernel answers, not the modelled lock.
        XCTAssertEqual(classify(SyscallNumber.fcntl, [3, UInt64(F_SETLK), 64], c), .step(.write, SyscallCall(kind: .tryLock, name: "fcntl(F_SETLK)", fd: 3)))
        XCTAssertEqual(classify(SyscallNumber.nanosleep, [0], c), .sleep)
        guard case .refuse = classify(SyscallNumber.mmap, [0, 4096, 1, 1, 3, 0], c) else { return XCTFail("a mapped store is refused") }
        XCTAssertEqual(classify(SyscallNumber.mmap, [0, 4096, 1, 1, 1, 0], c), .pass)
        guard case .refuse = classify(SyscallNumber.ioUringSetup, [8, 0], c) else { return XCTFail("io_uring is refused") }
    }

    func testDocumentValues() {
        XCTAssertEqual(StoreDocument.count(Array("{\"count\": 3}".utf8)), 3)
        XCTAssertEqual(StoreDocument.count(Array("{\"count\":0}\n".utf8)), 0)
        XCTAssertNil(StoreDocument.count([]), "an empty document (just truncated) is a torn read")
        XCTAssertNil(StoreDocument.count(Array("{\"count\": 1".utf8)), "half written")
        XCTAssertNil(StoreDocument.count(Array("{\"other\": 1}".utf8)))
        XCTAssertNil(StoreDocument.count(Array("{\"count\": }".utf8)))
    }
}
