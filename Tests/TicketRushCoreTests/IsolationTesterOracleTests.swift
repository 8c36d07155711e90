import XCTest
import TicketRushModel
import TicketRushFormat
@testable import TicketRushEngines

/// PostgreSQL's own isolation tester as an independent oracle for the session engine: every
/// shipped PostgreSQL session case (scenarios/isolation/postgres), each listed permutation at
/// each level, is written as an isolationtester spec and run by `isolationtester` on the same
/// server. Each step must return the same rows, fail with the same message and block where
/// the isolation tester saw it block. The verdicts are judged from these results
/// (docs/isolation.md), so equal results make the table PostgreSQL's, not ours.
final class IsolationTesterOracleTests: XCTestCase {
    nonisolated(unsafe) static var server: PostgresServer?
    nonisolated(unsafe) static var conninfo: String?
    nonisolated(unsafe) static var startError: String?

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where postgresql-client puts it (Debian: /usr/lib/postgresql/N/lib/pgxs/src/test/isolation).
    static var isolationtester: String? {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted().reversed()
        return versions.map { "\(base)/\($0)/lib/pgxs/src/test/isolation/isolationtester" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    override class func setUp() {
        guard PostgresServer.installed, isolationtester != nil else { return }
        do {
            if let problem = EngineRegistry.clientProblem(.postgres) { throw PostgresSessions.Failure(description: problem) }
            let s = try PostgresServer(maxConnections: 20)
            conninfo = try s.start().location
            server = s
        } catch {
            startError = "\(error)"
        }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
    }

    func testEveryShippedPostgresCaseStepsAsTheIsolationTesterSaysAtEveryLevel() throws {
        if let e = Self.startError { XCTFail("the private PostgreSQL server did not start: \(e)") }
        guard let tester = Self.isolationtester else { throw XCTSkip("isolationtester is not installed (postgresql-client's pgxs)") }
        guard let conninfo = Self.conninfo else { throw XCTSkip("PostgreSQL is not installed here") }
        let scenarios = try ScenarioFiles.load([Self.root.appendingPathComponent("scenarios/isolation/postgres").path])
        var compared = 0, blocked = 0, failed = 0
        for s in scenarios {
            let c = try XCTUnwrap(s.sessions, s.name)
            let db = try PostgresSessions(conninfo: conninfo, isolation: s.storage.isolation)
            for order in c.permutations {
                let ours = try db.run(c, order: order)
                guard ours.stuck == nil else { XCTFail("\(s.name): stuck: \(ours.stuck!)"); continue }
                let spec = Self.spec(c, order: order, isolation: s.storage.isolation)
                let theirs = try Self.parse(Self.runTester(tester, conninfo: conninfo, spec: spec))
                XCTAssertEqual(theirs.count, c.stepCount, "\(s.name): isolationtester ran \(theirs.count) steps:\n\(spec)")
                for o in ours.finished {
                    let name = Self.stepName(c, o.step)
                    let label = "\(s.name) at \(s.storage.isolation.rawValue), step \(c.label(o.step))"
                    guard let t = theirs[name] else { XCTFail("\(label): isolationtester did not run it"); continue }
                    XCTAssertEqual(o.blocked, t.blocked, "\(label): blocked")
                    XCTAssertEqual(o.error?.message, t.error, "\(label): error")
                    XCTAssertEqual(o.error == nil ? o.rows : [], t.rows.sorted(), "\(label): rows")
                    compared += 1
                    if t.blocked { blocked += 1 }
                    if t.error != nil { failed += 1 }
                }
            }
        }
        // The comparison must have covered steps that block and steps that fail, not only
        // plain reads (14 cases × 3 levels).
        XCTAssertGreaterThanOrEqual(scenarios.count, 42)
        XCTAssertGreaterThan(blocked, 5)
        XCTAssertGreaterThan(failed, 5)
        XCTAssertGreaterThan(compared, 300)
    }

    static func stepName(_ c: SessionCase, _ s: StepRef) -> String { "\(c.sessions[s.session].name)_\(s.index + 1)" }

    /// The case as the isolation tester's spec: its own schema, each session at `isolation`.
    static func spec(_ c: SessionCase, order: [StepRef], isolation: Isolation) -> String {
        var out = """
        setup { DROP SCHEMA IF EXISTS oracle CASCADE; CREATE SCHEMA oracle; }
        setup { SET search_path = oracle; \(c.setup.map { $0 + ";" }.joined(separator: " ")) }
        teardown { DROP SCHEMA oracle CASCADE; }

        """
        for (i, session) in c.sessions.enumerated() {
            out += "session \(session.name)\nsetup { SET search_path = oracle; SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL \(isolation.sql); }\n"
            for j in session.statements.indices {
                out += "step \(stepName(c, StepRef(session: i, index: j))) { \(session.statements[j]) }\n"
            }
        }
        return out + "permutation \(order.map { stepName(c, $0) }.joined(separator: " "))\n"
    }

    static func runTester(_ tester: String, conninfo: String, spec: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tester)
        p.arguments = [conninfo]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(spec.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        return text
    }

    struct Seen: Equatable {
        var blocked = false
        var error: String?
        var rows: [String] = []
    }

    /// isolationtester's output: `step NAME: SQL` (with ` <waiting ...>` when it blocked,
    /// and a later `step NAME: <... completed>`), then the step's rows as psql prints them
    /// or `ERROR:  message`.
    static func parse(_ text: String) throws -> [String: Seen] {
        var seen: [String: Seen] = [:]
        var current: String?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        while i < lines.count {
            let line = lines[i]
            i += 1
            if line.hasPrefix("step "), let colon = line.firstIndex(of: ":") {
                let name = String(line[line.index(line.startIndex, offsetBy: 5)..<colon])
                if line.hasSuffix("<... completed>") { current = name; continue }
                seen[name] = Seen(blocked: line.hasSuffix("<waiting ...>"))
                current = line.hasSuffix("<waiting ...>") ? nil : name
            } else if line.hasPrefix("ERROR:  "), let name = current {
                seen[name]?.error = String(line.dropFirst(8))
            } else if let name = current, i < lines.count, !line.isEmpty,
                      lines[i].allSatisfy({ $0 == "-" || $0 == "+" }), !lines[i].isEmpty {
                // A header, its rule, rows up to "(N rows)".
                i += 1
                while i < lines.count, !(lines[i].hasPrefix("(") && lines[i].hasSuffix(")")) {
                    seen[name]?.rows.append(lines[i].split(separator: "|", omittingEmptySubsequences: false)
                        .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "|"))
                    i += 1
                }
            }
        }
        return seen
    }

    /// The parser reads what isolationtester printed on this machine (PostgreSQL 15).
    func testParsesTheIsolationTestersOutput() throws {
        let text = """
        starting permutation: T1_1 T2_1 T1_2 T2_2 T1_3 T2_3 T1_4 T2_4
        step T1_1: begin
        step T1_2: select * from test where id = 1
        id|value
        --+-----
         1|   10
        (1 row)

        step T2_3: update test set value = 11 where id = 1 <waiting ...>
        step T1_4: commit
        step T2_3: <... completed>
        ERROR:  could not serialize access due to concurrent update
        step T2_4: commit
        """
        let seen = try Self.parse(text)
        XCTAssertEqual(seen["T1_2"], Seen(rows: ["1|10"]))
        XCTAssertEqual(seen["T2_3"], Seen(blocked: true, error: "could not serialize access due to concurrent update"))
        XCTAssertEqual(seen["T1_4"], Seen())
        XCTAssertEqual(seen.count, 5)
    }
}
