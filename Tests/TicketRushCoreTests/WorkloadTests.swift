import Foundation
import XCTest
import TicketRushModel
import TicketRushChecks
import TicketRushFormat
import TicketRushEngines
import TicketRushChild

/// workload: the loader's errors and defaults, the domain checkers on hand-made histories,
/// the JSON document's text and the SQL statements (docs/workloads.md).
final class WorkloadTests: XCTestCase {
    static let base = "name: t\nbuyers: 4\n"

    private func errors(_ yaml: String) -> [String] {
        ScenarioLoader().check(data: Data(yaml.utf8), path: "t.yaml").diagnostics.map {
            "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
        }
    }

    func testBadWorkloadsAreLocatedErrors() {
        XCTAssertEqual(errors(Self.base + "workload: {kind: seats, seats: 0}\n"),
                       ["3:32: error: 'workload.seats' must be from 1 to 65535, got 0"])
        XCTAssertEqual(errors(Self.base + "workload: {kind: rows, capacity: 0}\n"),
                       ["3:34: error: 'workload.capacity' must be from 1 to 1000000, got 0"])
        XCTAssertEqual(errors(Self.base + "workload: {kind: queue}\n").count, 1)
        XCTAssertTrue(errors(Self.base + "workload: {kind: queue}\n")[0].hasPrefix("3:18: error: 'workload.kind' must be one of seats, limit, rows, got 'queue'"))
        XCTAssertEqual(errors(Self.base + "workload: {kind: limit, sections: 300, limit: 1, customers: 300}\n"),
                       ["3:61: error: 'workload' needs sections × customers = 90000 keys, more than 65535 (a key is 16 bits in the events)"])
        XCTAssertEqual(errors(Self.base + "storage: {kind: sqlite}\nlock: optimistic\nworkload: {kind: rows, capacity: 2}\n"),
                       ["4:7: error: 'lock.mode' optimistic has no version check for a workload on storage.kind sqlite (it has on redis: WATCH/MULTI/EXEC): use a lock, row-lock, atomic or transaction"])
        XCTAssertEqual(errors("name: t\nbuyers: {count: 2, command: [./buy]}\nworkload: {kind: rows, capacity: 2}\n").filter { $0.contains("workload") },
                       ["3:11: error: 'workload' is for the built-in buyers; a program buys on its own store"])
        XCTAssertEqual(errors(Self.base + "storage: {kind: redis}\nlock: optimistic\nworkload: {kind: rows, capacity: 2}\n"), [])
        XCTAssertEqual(errors(Self.base + "workload: {kind: rows, capacity: 2, seats: 3}\n"),
                       ["3:44: error: 'workload.seats' applies to another workload kind, not rows (it takes capacity)"])
        XCTAssertEqual(errors(Self.base + "workload: {kind: limit, sections: 2}\n"),
                       ["3:11: error: 'workload' of kind limit needs 'limit'", "3:11: error: 'workload' of kind limit needs 'customers'"])
        XCTAssertEqual(errors(Self.base + "lock: optimistic\nworkload: {kind: rows, capacity: 2}\n"),
                       ["3:7: error: 'lock.mode' optimistic has no version check for a workload on storage.kind json (it has on redis: WATCH/MULTI/EXEC): use a lock, row-lock, atomic or transaction"])
        XCTAssertEqual(errors(Self.base + "workload: {kind: seats, seats: 2, wants: 3}\n"),
                       ["3:42: error: 'workload.wants' 3 is more than the 2 seats"])
        XCTAssertEqual(errors(Self.base), ["1:1: error: 'tickets' is required (it may be omitted only with a 'workload', or in a session case)"])
    }

    func testAWorkloadFillsTicketsInvariantsAndWants() throws {
        let s = try XCTUnwrap(ScenarioLoader().load(data: Data((Self.base + "workload: {kind: seats, seats: 5, wants: 2}\nexpect: {no-double-booking: violated}\n").utf8), path: "t.yaml").first)
        XCTAssertEqual(s.workload, .seats(seats: 5, wants: 2))
        XCTAssertEqual(s.tickets, 5)
        XCTAssertEqual(s.buyers.wants, 2)
        XCTAssertEqual(s.invariants, [.conservation, .oneOutcome, .noTornRead, .allFinished, .noDeadlock, .noDoubleBooking])
        let limit = try XCTUnwrap(ScenarioLoader().load(data: Data((Self.base + "workload: {kind: limit, sections: 2, limit: 3, customers: 4}\ninvariants: [customer-limit]\n").utf8), path: "t.yaml").first)
        XCTAssertEqual(limit.tickets, 12)
        XCTAssertEqual(limit.invariants, [.customerLimit])
        // Without a workload nothing changes: the counter's invariants, none of the workloads'.
        let plain = try XCTUnwrap(ScenarioLoader().load(data: Data((Self.base + "tickets: 1\n").utf8), path: "t.yaml").first)
        XCTAssertNil(plain.workload)
        XCTAssertFalse(plain.invariants.contains(where: \.isWorkloadDomain))
    }

    func testSeatsAreDistinctPerBuyerAndCollideAcrossBuyers() {
        let w = Workload.seats(seats: 4, wants: 4)
        for buyer in 0..<8 {
            XCTAssertEqual(Set((0..<4).map { w.seat(seed: 9, buyer: buyer, task: $0) }), [0, 1, 2, 3])
        }
        let firsts = (0..<8).map { w.seat(seed: 9, buyer: $0, task: 0) }
        XCTAssertLessThan(Set(firsts).count, 8, "8 buyers over 4 seats must share a first seat")
        XCTAssertEqual(firsts, (0..<8).map { w.seat(seed: 9, buyer: $0, task: 0) })
        let l = Workload.limit(sections: 2, limit: 1, customers: 1)
        XCTAssertEqual(Set((0..<4).map { l.section(seed: 3, buyer: $0) }), [0, 1])
        XCTAssertEqual(l.key(customer: 0, section: 1), 2)
        XCTAssertEqual(Workload.limit(sections: 3, limit: 1, customers: 2).key(customer: 1, section: 2), 6)
        XCTAssertEqual(Workload.tag(buyer: 2, n: 1), 3 * 1024 + 1)
    }

    // MARK: checkers

    private func history(_ workload: Workload, _ state: WorkloadState?, buys: [(buyer: Int, value: Int64)]) -> TrialHistory {
        var b = HistoryBuilder(tickets: workload.tickets, buyers: 4, final: .count(0))
        for (i, p) in buys.enumerated() {
            b.step(p.buyer, .purchaseRead, 0, task: i)
            b.step(p.buyer, .bought, p.value, task: i)
        }
        var h = b.history
        h.workload = workload
        h.workloadState = state
        return h
    }

    func testNoDoubleBookingNamesTheSeatAndBothBuyers() {
        let seats = Workload.seats(seats: 3, wants: 1)
        let twice = NoDoubleBookingChecker().judge(history(seats, WorkloadState(values: [0, 3, 0]), buys: [(0, 1), (2, 1)]))
        XCTAssertEqual(twice.verdict, .violated)
        XCTAssertEqual(twice.summary, "seat 2 sold twice: to b1 and b3")
        XCTAssertEqual(twice.blamed.map(\.buyer), [0, 2])
        XCTAssertTrue(twice.details[0].contains("the store holds it for b3"), twice.details[0])
        let once = NoDoubleBookingChecker().judge(history(seats, WorkloadState(values: [1, 3, 0]), buys: [(0, 0), (2, 1)]))
        XCTAssertEqual(once.verdict, .holds)
        XCTAssertTrue(NoDoubleBookingChecker().judge(history(.rows(capacity: 1), nil, buys: [])).notApplicable)
    }

    func testCustomerLimitCountsTheStoreOverAllSections() {
        let limit = Workload.limit(sections: 2, limit: 1, customers: 2)
        // Customer 0 holds one in each section: the write skew. Customer 1 one in all.
        let skew = CustomerLimitChecker().judge(history(limit, WorkloadState(values: [1, 1, 0, 1]), buys: [(0, 0), (1, 0), (2, 1)]))
        XCTAssertEqual(skew.verdict, .violated)
        XCTAssertEqual(skew.summary, "customer 1 holds 2 tickets, over the limit of 1")
        XCTAssertEqual(skew.blamed.map(\.buyer), [0, 1])
        let within = CustomerLimitChecker().judge(history(limit, WorkloadState(values: [1, 0, 0, 1]), buys: [(0, 0), (2, 1)]))
        XCTAssertEqual(within.verdict, .holds)
        // A lost update hides a purchase in the store: the purchases reported still count.
        let lost = CustomerLimitChecker().judge(history(limit, WorkloadState(values: [1, 0, 0, 0]), buys: [(0, 0), (1, 0)]))
        XCTAssertEqual(lost.verdict, .violated)
        XCTAssertEqual(CustomerLimitChecker().judge(history(limit, nil, buys: [(0, 0)])).verdict, .unknown)
    }

    func testCapacityCountsTheRows() {
        let rows = Workload.rows(capacity: 2)
        let over = CapacityChecker().judge(history(rows, WorkloadState(rows: [1, 2, 3]), buys: [(0, 1), (1, 1), (2, 1)]))
        XCTAssertEqual(over.verdict, .violated)
        XCTAssertEqual(over.summary, "3 bookings for a capacity of 2: over by 1")
        XCTAssertEqual(CapacityChecker().judge(history(rows, WorkloadState(rows: [1, 2]), buys: [(0, 1), (1, 2)])).verdict, .holds)
        XCTAssertEqual(CapacityChecker().judge(history(rows, nil, buys: [(0, 1)])).verdict, .unknown)
    }

    // MARK: stores

    func testTheJSONDocumentRoundTripsAndATornOneIsTorn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wl-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.json").path
        try WorkloadDocument.create(path: path, workload: .seats(seats: 3, wants: 1))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{\"keys\": [[0,0], [0,0], [0,0]], \"rows\": []}\n")
        let doc = WorkloadDocument(file: CPath(path), mode: .atomic, keys: 3, maxRows: 4, tag: 1)
        XCTAssertEqual(doc.read(), .count(0))
        doc.set(key: 2, value: 4, tag: 4097)
        XCTAssertTrue(doc.append(holder: 4, tag: 4098))
        XCTAssertEqual(doc.write(pause: {}), 0)
        let again = WorkloadDocument(file: CPath(path), mode: .inPlace, keys: 3, maxRows: 4, tag: 2)
        XCTAssertEqual(again.read(), .count(1))
        XCTAssertEqual(again.state, WorkloadState(values: [0, 4, 0], rows: [4]))
        XCTAssertEqual(again.value(key: 2).tag, 4097)
        try "{\"keys\": [[0,0], [0,".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(again.read(), .torn(bytes: 20))
    }

    func testSQLStatementsPerModeAndDialect() {
        let limit = Workload.limit(sections: 2, limit: 1, customers: 1)
        let rowLock = SQLWorkloadStatements(dialect: .postgres, mode: .rowLock, table: "t", workload: limit)
        XCTAssertEqual(rowLock.read(key: 2), "SELECT count, version FROM t WHERE id = 2 FOR UPDATE")
        XCTAssertEqual(SQLWorkloadStatements(dialect: .sqlite, mode: .rowLock, table: "t", workload: limit).read(key: 2),
                       "SELECT count, version FROM t WHERE id = 2")
        XCTAssertEqual(rowLock.conditional(.limit(key: 2, customer: 0, limit: 1), tag: 1025),
                       "UPDATE t SET count = count + 1, version = 1025 WHERE id = 2 AND (SELECT sum(count) FROM t WHERE customer = 0) < 1")
        let seats = SQLWorkloadStatements(dialect: .postgres, mode: .atomic, table: "t", workload: .seats(seats: 2, wants: 1))
        XCTAssertEqual(seats.conditional(.seat(key: 1, owner: 3), tag: 3073), "UPDATE t SET owner = 3, version = 3073 WHERE id = 1 AND owner IS NULL")
        let rows = SQLWorkloadStatements(dialect: .sqlite, mode: .atomic, table: "t", workload: .rows(capacity: 2))
        XCTAssertEqual(rows.conditional(.row(holder: 1, capacity: 2), tag: 1025),
                       "INSERT INTO t (holder, version) SELECT 1, 1025 WHERE (SELECT count(*) FROM t) < 2")
        XCTAssertEqual(limit.keyCount, 2)
        XCTAssertEqual(SQLWorkloadStatements(dialect: .postgres, mode: .none, table: "t", workload: limit).state([(2, 1)]),
                       WorkloadState(values: [0, 1]))
    }
}

extension WorkloadTests {
    func testRedisCommands() {
        let seats = RedisWorkloadCommands(key: "k", workload: .seats(seats: 2, wants: 1))
        XCTAssertEqual(seats.create, [["DEL", "k", "k:lock"], ["HSET", "k", "v1", "0", "t1", "0", "v2", "0", "t2", "0"]])
        XCTAssertEqual(seats.write(2, value: 3, tag: 3073), ["HSET", "k", "v2", "3", "t2", "3073"])
        let limit = RedisWorkloadCommands(key: "k", workload: .limit(sections: 2, limit: 1, customers: 3))
        // Customer 2's sections are keys 5 and 6: the script sums from 5, two of them.
        XCTAssertEqual(Array(limit.conditional(.limit(key: 6, customer: 2, limit: 1), tag: 1025).suffix(5)), ["6", "1025", "1", "5", "2"])
        let rows = RedisWorkloadCommands(key: "k", workload: .rows(capacity: 2))
        XCTAssertEqual(rows.create, [["DEL", "k", "k:lock"]])
        XCTAssertEqual(rows.insert(tag: 2049), ["RPUSH", "k", "2049"])
    }
}
