import XCTest
import TicketRushModel
import TicketRushChecks

/// The checkers against a model store: histories generated from a model whose truth is
/// known by construction, judged by the real checkers.
final class CheckerOraclePropertyTests: XCTestCase {
    /// Random *serial* histories: buyers take turns; each purchase (read, decide, write) is
    /// one indivisible step, searches read whenever. Every invariant must hold.
    func testSerialHistoriesHoldEveryInvariant() {
        var rng = SeededGenerator(seed: 2024)
        for iteration in 0..<400 {
            let tickets = Int.random(in: 0...8, using: &rng)
            let buyers = Int.random(in: 1...8, using: &rng)
            let wants = Int.random(in: 1...3, using: &rng)
            let locked = rng.chance(0.5)
            var count = tickets
            var h = HistoryBuilder(tickets: tickets, buyers: buyers, wants: wants, final: .count(0))
            var task = [Int](repeating: 0, count: buyers)
            var searched = [Bool](repeating: false, count: buyers)
            var finished = [Bool](repeating: false, count: buyers)
            var writes = [Int](repeating: 0, count: buyers)
            var version: Int32 = 0
            for b in 0..<buyers { h.step(b, .start) }
            while let b = (0..<buyers).filter({ !finished[$0] }).randomElement(using: &rng) {
                let t = task[b]
                if !searched[b] {
                    h.step(b, .searchRead, Int64(count), task: t)
                    searched[b] = true
                    continue
                }
                if locked { h.step(b, .lockWait, task: t); h.step(b, .lockAcquired, task: t) }
                h.step(b, .purchaseRead, Int64(count), task: t)
                // The transactional history the buyer reports beside the story (docs/events.md).
                h.txn(b, .keyRead, Int64(count), aux: version, task: t)
                let soldOut = count == 0
                if soldOut {
                    h.txn(b, .txnCommit, task: t)
                    h.step(b, .soldOut, task: t)
                } else {
                    count -= 1
                    writes[b] += 1
                    version = Int32((b + 1) * 1024 + writes[b])
                    h.step(b, .purchaseWrite, Int64(count), task: t)
                    h.txn(b, .keyWrite, Int64(count), aux: version, task: t)
                    h.txn(b, .txnCommit, task: t)
                    h.step(b, .bought, Int64(count), task: t)
                }
                if locked { h.step(b, .lockReleased, task: t) }
                task[b] += 1
                searched[b] = false
                if soldOut || task[b] == wants {
                    h.step(b, .done, task: t)
                    finished[b] = true
                }
            }
            h.final = .count(count)
            for invariant in Invariant.allCases where !invariant.isWorkloadDomain && invariant != .noAnomaly {  // the workloads' apply to workload histories only, no-anomaly to session cases
                let result = invariant.checker.judge(h.history)
                XCTAssertEqual(result.verdict, .holds,
                               "iteration \(iteration): \(invariant.rawValue) on a serial history (tickets \(tickets), buyers \(buyers), wants \(wants)): \(result.summary)")
            }
        }
    }

    /// Random *interleavings* of unlocked read and write steps: each buyer reads the count,
    /// and (if it saw one) later writes what it read minus one. no-oversell is violated
    /// exactly when more purchases succeed than there were tickets; conservation exactly when
    /// an update was lost; no-undersell exactly when demand covered the tickets and some are left.
    func testInterleavingsOversellExactlyWhenPurchasesExceedTickets() {
        var rng = SeededGenerator(seed: 4242)
        var oversold = 0, fine = 0, lostUpdates = 0
        for iteration in 0..<1_000 {
            let tickets = Int.random(in: 0...5, using: &rng)
            let buyers = Int.random(in: 1...7, using: &rng)
            let wants = Int.random(in: 1...2, using: &rng)
            var store = tickets
            var h = HistoryBuilder(tickets: tickets, buyers: buyers, wants: wants, final: .count(0))
            enum Next {
                case search, read, write(Int), done
                var isDone: Bool { if case .done = self { return true }; return false }
            }
            var next = [Next](repeating: .search, count: buyers)
            var task = [Int](repeating: 0, count: buyers)
            var bought = 0
            var writes = [Int](repeating: 0, count: buyers)
            var version: Int32 = 0
            func endTask(_ b: Int, soldOut: Bool) {
                task[b] += 1
                if soldOut || task[b] == wants {
                    h.step(b, .done, task: task[b] - 1)
                    next[b] = .done
                } else {
                    next[b] = .search
                }
            }
            for b in 0..<buyers { h.step(b, .start) }
            while let b = (0..<buyers).filter({ !next[$0].isDone }).randomElement(using: &rng) {
                let t = task[b]
                switch next[b] {
                case .search:
                    h.step(b, .searchRead, Int64(store), task: t)
                    next[b] = .read
                case .read:
                    let seen = store
                    h.step(b, .purchaseRead, Int64(seen), task: t)
                    h.txn(b, .keyRead, Int64(seen), aux: version, task: t)
                    if seen > 0 {
                        next[b] = .write(seen - 1)
                    } else {
                        h.txn(b, .txnCommit, task: t)
                        h.step(b, .soldOut, task: t)
                        endTask(b, soldOut: true)
                    }
                case .write(let value):
                    h.step(b, .purchaseWrite, Int64(value), task: t)
                    store = value
                    writes[b] += 1
                    version = Int32((b + 1) * 1024 + writes[b])
                    h.txn(b, .keyWrite, Int64(value), aux: version, task: t)
                    h.txn(b, .txnCommit, task: t)
                    h.step(b, .bought, Int64(value), task: t)
                    bought += 1
                    endTask(b, soldOut: false)
                case .done:
                    break
                }
            }
            h.final = .count(store)
            let history = h.history
            let context = "iteration \(iteration): tickets \(tickets), buyers \(buyers), wants \(wants), \(bought) bought, final \(store)"
            let noOversell = NoOversellChecker().judge(history)
            XCTAssertEqual(noOversell.verdict, bought > tickets ? .violated : .holds, context + ": " + noOversell.summary)
            if bought > tickets {
                oversold += 1
                XCTAssertEqual(noOversell.severity, bought - tickets, context)
            } else {
                fine += 1
            }
            XCTAssertEqual(ConservationChecker().judge(history).verdict, tickets - store == bought ? .holds : .violated, context)
            // The cross-check: on a counter, a conservation violation is exactly a lost update.
            let lost = Invariant.lostUpdate.checker.judge(history)
            XCTAssertEqual(lost.verdict, tickets - store == bought ? .holds : .violated, context + ": " + lost.summary)
            if tickets - store != bought { lostUpdates += 1 }
            XCTAssertEqual(Invariant.serializable.checker.judge(history).verdict, lost.verdict, context)
            XCTAssertEqual(NoUndersellChecker().judge(history).verdict, buyers * wants >= tickets && store > 0 ? .violated : .holds, context)
            for invariant in [Invariant.oneOutcome, .noTornRead, .allFinished, .noDeadlock] {
                XCTAssertEqual(invariant.checker.judge(history).verdict, .holds, context + ": " + invariant.rawValue)
            }
        }
        // Not vacuous: both sides of the equivalence were exercised.
        XCTAssertGreaterThan(oversold, 50)
        XCTAssertGreaterThan(fine, 50)
        XCTAssertGreaterThan(lostUpdates, 50)
    }
}
