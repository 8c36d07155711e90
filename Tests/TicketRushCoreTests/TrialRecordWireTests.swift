import XCTest
import TicketRushModel
@testable import TicketRushChecks

/// `TrialRecordWire`, the binary form `--jobs` workers send records in: every field of a
/// record survives the round trip, whatever its evidence, and bytes that are cut short or
/// out of range are refused rather than read as some other record.
final class TrialRecordWireTests: XCTestCase {
    private static func ev(_ t: UInt64, _ buyer: Int, _ kind: EventKind, value: Int64 = 0, aux: Int32 = 0, key: UInt16 = 0) -> Event {
        Event(tNs: t, buyer: buyer, task: buyer == 0 ? 0 : 1, kind: kind, value: value, aux: aux, key: key)
    }

    /// One piece of evidence of every kind (the switch fails to compile when a kind is added).
    static let evidence: [Evidence] = {
        let e1 = ev(1_500, 1, .bought, value: -3, aux: 7, key: 2), e2 = ev(UInt64.max - 1, 0, .error, value: 28, aux: 4)
        let all: [Evidence] = [
            .sales(tickets: 1, sold: 2, bought: [e1, e2], indeterminate: 1),
            .conservation(tickets: 3, finalCount: -1, bought: 2, indeterminate: 4, sameValue: [e2]),
            .finalUnreadable(.torn(bytes: 17)), .finalUnreadable(.failed(errno: 5)),
            .tornReads(first: [e1], total: 9, readers: 2, lastWriteBefore: e2), .tornReads(first: [], total: 0, readers: 0, lastWriteBefore: nil),
            .outcomes(tasks: 4, miscounted: [.init(task: TaskRef(buyer: 1, task: 2), outcomes: 0)], unfinished: [.init(buyer: 3, withOutcome: 1, wants: 2)]),
            .exits(buyers: 2, unclean: [.init(buyer: 0, exit: .signaled(signal: 9), cause: e2), .init(buyer: 1, exit: .exited(code: 127)),
                                        .init(buyer: 2, exit: .unknown)], timedOut: true, durationNs: 12_345),
            .undersell(demand: 5, tickets: 3, finalCount: 1, firstError: e2), .undersell(demand: 1, tickets: 1, finalCount: 0, firstError: nil),
            .deadlock(timedOut: true, durationNs: 99, lock: "le verrou « billets »", blocked: [e1],
                      holders: [.init(acquired: e2, state: .killed(atNs: 1)), .init(acquired: e1, state: .stalled(atNs: 2)),
                                .init(acquired: e1, state: .died(.signaled(signal: 11))), .init(acquired: e2, state: .running)],
                      unfinished: [.init(buyer: 0, last: .lockWait), .init(buyer: 1, last: nil)], waits: "futex ×2: « rien »"),
            .anomalies(found: [AnomalyFinding(anomaly: .gSingle, txns: [TxnLabel(id: 1, buyer: 0, task: 2, attempt: 3, status: .unknown)],
                                              steps: [Dependency(from: 1, to: 2, kind: .predicateRW, key: 3, fromVersion: -4, toVersion: 5, lostUpdate: true)])],
                       gaps: ["version 3 of key 1 missing"]),
            .incomplete([.malformed(records: 2), .overflow(limit: 100), .vanished(buyers: [0, 4]), .unattributed(lines: 3),
                         .server(unanswered: "the server did not answer in 5 s")]),
            .checkerFailed("boom"), .notApplicable("a database has no torn reads"),
            .doubleBooking(seat: 4, seats: 10, buyers: [e1, e2], owner: -1), .doubleBooking(seat: -1, seats: 1, buyers: [], owner: nil),
            .customerLimit(customer: 2, limit: 1, held: 3, bought: [e1]),
            .capacity(capacity: 2, rows: 3, bought: [e2, e1]),
            .serialization(SessionEvidence(steps: ["T1.1 SELECT → 1 row"], committed: ["T1.1", "T2.1"], explainedBy: "T1.1 → T2.1",
                                           how: "blocked", mismatches: ["T2.1 → T1.1: T1.2 returned 0 rows"], stuck: "T2.2 waits")),
            .serialization(SessionEvidence(steps: [], committed: [], explainedBy: nil, how: nil, mismatches: [], stuck: nil)),
            .caseEffect(steps: ["a", "b"], seen: "G1a", stuck: nil), .caseEffect(steps: [], seen: nil, stuck: "T1.2"),
        ]
        var kinds = Set<String>()
        for e in all {
            switch e {
            case .sales: kinds.insert("sales")
            case .conservation: kinds.insert("conservation")
            case .finalUnreadable: kinds.insert("finalUnreadable")
            case .tornReads: kinds.insert("tornReads")
            case .outcomes: kinds.insert("outcomes")
            case .exits: kinds.insert("exits")
            case .undersell: kinds.insert("undersell")
            case .deadlock: kinds.insert("deadlock")
            case .anomalies: kinds.insert("anomalies")
            case .incomplete: kinds.insert("incomplete")
            case .checkerFailed: kinds.insert("checkerFailed")
            case .notApplicable: kinds.insert("notApplicable")
            case .doubleBooking: kinds.insert("doubleBooking")
            case .customerLimit: kinds.insert("customerLimit")
            case .capacity: kinds.insert("capacity")
            case .serialization: kinds.insert("serialization")
            case .caseEffect: kinds.insert("caseEffect")
            }
        }
        precondition(kinds.count == 17, "every kind of evidence once at least")
        return all
    }()

    /// A failing schedule's record with every field set: a timeline with a fault and lock
    /// events, non-ASCII names, unknown and violated verdicts, pct's k in its exploration.
    static func full() -> TrialRecord {
        let events = [ev(1_000, 0, .start), ev(1_200, 0, .lockWait), ev(1_300, 1, .faultKill, aux: 9), ev(1_400, 0, .lockAcquired),
                      ev(1_500, 0, .storeRetry, aux: 2), ev(1_600, 0, .purchaseRetry), ev(1_700, 0, .bought), ev(1_800, 0, .lockReleased),
                      ev(1_900, 0, .done)]
        let h = TrialHistory(trial: 41, seed: 0xDEAD_BEEF_0123_4567, tickets: 1, buyerNames: ["Zoë", "買い手 2"], wants: 1, events: events,
                             exits: [.exited(code: 0), .signaled(signal: 9)], timedOut: true, finalRead: .count(0), startNs: 1_000,
                             durationNs: 5_000, incomplete: [.vanished(buyers: [1])])
        let verdicts: [Verdict] = [.holds, .unknown, .violated]
        let results = evidence.enumerated().map { i, e in
            CheckResult(invariant: Invariant.allCases[i % Invariant.allCases.count], verdict: verdicts[i % 3], evidence: e,
                        blamed: i % 2 == 0 ? [TaskRef(buyer: 0, task: 0), TaskRef(buyer: 1, task: 1)] : [], name: h.name)
        }
        var r = TrialRecord(history: h, scenario: "race[engine=json,lock=none] ✓", results: results, keepTimeline: true)
        r.lockWaitsNs = [200, 7]
        r.censoredWaitsNs = [3]
        r.retries = 2
        r.retryReasons = ["conflict": 1, "serialization": 1]
        r.schedule = "S3.2.1.0.1"
        var note = ScheduleSummary(strategy: "pct", runs: 2_000, abandoned: 3, complete: false, violating: 14, statement: "pct: violated in 14",
                                   pctBound: 0.125, replay: "S3.2.1", replayCommand: "ticketrush run x.yaml --replay 'S3.2.1'")
        note.shrunk = "1 preemption"
        note.story = ["Zoë reads 1", "買い手 2 reads 1"]
        note.shrunkCommand = "ticketrush run x.yaml --replay 'S3.1'"
        note.stoppedBy = .defaultTime
        note.pctK = 6
        r.exploration = note
        r.engineMessages = ["ERROR: could not serialize access (SQLSTATE 40001)"]
        r.isolation = IsolationRow(engine: "postgres", version: "15.4", isolation: "repeatable read", caseName: "G-single",
                                   outcome: "prevented", how: "serialization failure+blocked")
        r.fullControl = "dup2 of the store's descriptor to 9"
        return r
    }

    private func roundTrip(_ r: TrialRecord, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = TrialRecordWire.encode(r)
        XCTAssertEqual(try TrialRecordWire.decode(bytes), r, file: file, line: line)
        XCTAssertEqual(TrialRecordWire.encode(try TrialRecordWire.decode(bytes)), bytes, file: file, line: line)
    }

    func testEveryFieldRoundTrips() throws {
        let r = Self.full()
        // Every optional field is set here: a field added to TrialRecord and not to this
        // record (nor to the wire) fails this line, not a --jobs run's reports.
        for child in Mirror(reflecting: r).children {
            if let o = child.value as? any OptionalProtocol { XCTAssertTrue(o.isSome, "\(child.label ?? "?") is nil in the test record") }
        }
        for child in Mirror(reflecting: r.exploration!).children {
            if let o = child.value as? any OptionalProtocol { XCTAssertTrue(o.isSome, "exploration.\(child.label ?? "?") is nil in the test record") }
        }
        XCTAssertNotNil(r.timeline)
        XCTAssertTrue(r.timeline!.events.contains { $0.kind == .faultKill })
        XCTAssertEqual(r.results.count, Self.evidence.count)
        try roundTrip(r)
    }

    /// The stored properties of every struct a record holds, as TrialRecordWire and
    /// TrialsJSON write them: a property added to one of them (an optional left nil here
    /// would round-trip unnoticed) fails here until both writers carry it.
    func testEveryStructsFieldsAreTheOnesTheWritersKnow() throws {
        func fields(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
        let r = Self.full()
        let e = Self.ev(1, 0, .bought)
        XCTAssertEqual(fields(r), ["scenario", "trial", "seed", "sold", "finalRead", "tornReads", "durationNs", "timedOut", "incomplete", "results",
                                   "latenciesNs", "lockWaitNs", "lockHoldNs", "lockAcquisitions", "lockWaitsNs", "censoredWaitsNs", "retries",
                                   "retryReasons", "timeline", "schedule", "exploration", "engineMessages", "isolation", "fullControl"])
        XCTAssertEqual(fields(r.timeline!), ["buyers", "events"])
        XCTAssertEqual(fields(r.results[0]), ["invariant", "verdict", "evidence", "blamed", "summary", "details"])
        XCTAssertEqual(fields(TaskRef(buyer: 0, task: 0)), ["buyer", "task"])
        XCTAssertEqual(fields(r.exploration!), ["strategy", "runs", "abandoned", "complete", "violating", "statement", "pctBound", "replay",
                                                "replayCommand", "shrunk", "story", "shrunkCommand", "stoppedBy", "pctK"])
        XCTAssertEqual(fields(r.isolation!), ["engine", "version", "isolation", "caseName", "outcome", "how"])
        XCTAssertEqual(fields(e), ["tNs", "buyer", "task", "kind", "value", "aux", "key"])
        XCTAssertEqual(fields(Evidence.TaskCount(task: TaskRef(buyer: 0, task: 0), outcomes: 0)), ["task", "outcomes"])
        XCTAssertEqual(fields(Evidence.BuyerTasks(buyer: 0, withOutcome: 0, wants: 0)), ["buyer", "withOutcome", "wants"])
        XCTAssertEqual(fields(Evidence.BuyerEnd(buyer: 0, exit: .unknown)), ["buyer", "exit", "cause"])
        XCTAssertEqual(fields(Evidence.BuyerStep(buyer: 0, last: nil)), ["buyer", "last"])
        XCTAssertEqual(fields(Evidence.Holder(acquired: e, state: .running)), ["acquired", "state"])
        let finding = AnomalyFinding(anomaly: .g0, txns: [TxnLabel(id: 1, buyer: 0, task: 0, attempt: 0, status: .committed)],
                                     steps: [Dependency(from: 1, to: 2, kind: .ww, key: 0, fromVersion: 0, toVersion: 1)])
        XCTAssertEqual(fields(finding), ["anomaly", "txns", "steps"])
        XCTAssertEqual(fields(finding.txns[0]), ["id", "buyer", "task", "attempt", "status"])
        XCTAssertEqual(fields(finding.steps[0]), ["from", "to", "kind", "key", "fromVersion", "toVersion", "lostUpdate"])
        XCTAssertEqual(fields(SessionEvidence(steps: [], committed: [], explainedBy: nil, how: nil, mismatches: [], stuck: nil)),
                       ["steps", "committed", "explainedBy", "how", "mismatches", "stuck"])
    }

    func testRecordsWithNothingOptionalRoundTrip() throws {
        var r = Self.full()
        (r.lockWaitsNs, r.censoredWaitsNs, r.retries, r.retryReasons, r.timeline) = (nil, nil, nil, nil, nil)
        (r.schedule, r.exploration, r.engineMessages, r.isolation, r.fullControl) = (nil, nil, nil, nil, nil)
        r.results = []
        r.incomplete = []
        r.latenciesNs = []
        r.finalRead = .failed(errno: -2)
        try roundTrip(r)
        r.exploration = ScheduleSummary(strategy: "part", runs: 0, violating: 0, statement: "")
        try roundTrip(r)
    }

    /// Each field on its own: changed in one place, the decoded record changes with it.
    func testEachPieceOfEvidenceRoundTrips() throws {
        for e in Self.evidence {
            var r = Self.full()
            r.results = [CheckResult(invariant: .noOversell, verdict: .unknown, evidence: e, name: { "b\($0)" })]
            try roundTrip(r)
        }
    }

    func testCutShortOrTrailingBytesAreRefused() throws {
        let bytes = TrialRecordWire.encode(Self.full())
        for cut in [0, 1, 7, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try TrialRecordWire.decode(Array(bytes.prefix(cut))), "cut at \(cut) of \(bytes.count)")
        }
        XCTAssertThrowsError(try TrialRecordWire.decode(bytes + [0]))
        // A count far larger than the bytes left is refused before anything is reserved.
        var huge = TrialRecordWire.encode(Self.full())
        huge.replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, 0x7F])
        XCTAssertThrowsError(try TrialRecordWire.decode(huge))
    }
}

/// Lets the test ask "is it nil?" of a Mirror child of any optional type.
protocol OptionalProtocol { var isSome: Bool { get } }
extension Optional: OptionalProtocol { var isSome: Bool { self != nil } }
