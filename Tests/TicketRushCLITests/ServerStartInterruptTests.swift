import Foundation
import TicketRushTestSupport
import XCTest

/// A private server is started by its engine's code (TicketRushEngines, below the runner);
/// an interrupt while it starts still ends the run as an interrupt: exit 130, the server
/// stopped and its folder gone.
final class ServerStartInterruptTests: XCTestCase {
    func testAnInterruptWhileAServerStartsExits130() throws {
        let dir = try CLI.temporaryFolder(self)
        let marker = "fake-\(UUID().uuidString)"
        // A PostgreSQL that never accepts connections: initdb marks its data folder, postgres sleeps.
        try CLI.write("#!/bin/sh\nmkdir -p \"$2\" && touch \"$2/\(marker)\"\n", to: "bin/initdb", in: dir)
        try CLI.write("#!/bin/sh\nexec sleep 300\n", to: "bin/postgres", in: dir)
        // The private server runs as nobody when the tests run as root.
        for path in [dir.path, "\(dir.path)/bin", "\(dir.path)/bin/initdb", "\(dir.path)/bin/postgres"] { chmod(path, 0o755) }
        let scenario = try CLI.write("name: pg\ntickets: 1\nbuyers: 2\nstorage: {kind: postgres}\nlock: none\n", to: "s.yaml", in: dir)
        let running = try TicketRushBinary.start(["run", scenario], env: ["TICKETRUSH_PG_BINDIR": "\(dir.path)/bin"])
        defer { running.kill() }
        // The runner's postgres is running and its data folder marked: it is waiting for it.
        var folder: String?
        var server: pid_t?
        let waiting = CLI.poll(within: 60) {
            // The server's folder is trdb.*/srv in $TMPDIR or /tmp (docs/storage.md).
            let bases = Set([ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp", "/tmp"])
            folder = folder ?? bases.flatMap { base in
                ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).filter { $0.hasPrefix("trdb.") }.map { "\(base)/\($0)" }
            }.first { FileManager.default.fileExists(atPath: "\($0)/srv/pg/\(marker)") }
            server = ProcessTable.snapshot().values.first { $0.ppid == running.process.pid && ProcessTable.commandLine($0.pid).contains("sleep 300") }?.pid
            return folder != nil && server != nil
        }
        XCTAssertTrue(waiting, "the fake server never started")
        running.process.signal(SIGINT)
        let result = try running.finish(timeout: 60)
        XCTAssertEqual(result.status, 130, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("interrupted by signal 2"), result.stderr)
        if let server {
            XCTAssertTrue(CLI.poll(within: 5) { ProcessTable.snapshot()[server].map { $0.state == "Z" } ?? true }, "the server outlived the run")
        }
        if let folder { XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "\(folder) outlived the run") }
    }
}
