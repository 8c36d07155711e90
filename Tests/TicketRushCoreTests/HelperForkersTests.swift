import XCTest
import TicketRushModel
import TicketRushChild
import TicketRushRunner

/// The helpers' arithmetic and switches, without forking (HelperForkerTests in the CLI
/// tests fork through the binary).
final class HelperForkersTests: XCTestCase {
    /// Shares are contiguous, in order, cover every buyer exactly once, and differ by at most one.
    func testSharesPartitionTheBuyers() {
        for buyers in [64, 65, 99, 100, 1000, 10001] {
            for helpers in 1...4 {
                let shares = (0..<helpers).map { HelperForkers.share($0, of: helpers, buyers: buyers) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, buyers)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(buyers) buyers, \(helpers) helpers: \(sizes)")
            }
        }
        XCTAssertEqual(HelperForkers.share(1, of: 2, buyers: 100), 50..<100)
    }

    /// Small trials and database engines (no BuyerKit) fork from the runner.
    func testHelpersOnlyFromTheThresholdAndForTheJSONFile() {
        let plan = TrialPlan(wants: 1, lockMode: .flock, scope: .purchase, writeMode: .inPlace, storagePath: "/nonexistent/db.json",
                             lockContext: LockContext(lockFilePath: "/nonexistent/db.json.lock", semaphoreName: "/x", mutexPath: "/nonexistent/m"),
                             delays: Delays(), timeScale: 1, seed: 1, retries: 0, stops: [:], allocProbe: nil)
        let kit = BuyerKit(plan: plan)
        XCTAssertNotNil(kit)
        XCTAssertEqual(HelperForkers.helpers(buyers: HelperForkers.threshold - 1, kit: kit), 0)
        XCTAssertEqual(HelperForkers.helpers(buyers: HelperForkers.threshold, kit: kit), min(HelperForkers.configured, HelperForkers.threshold))
        XCTAssertEqual(HelperForkers.helpers(buyers: 10_000, kit: nil), 0)
    }

    func testFaultHookParses() {
        XCTAssertEqual(HelperForkers.Fault.parse("die:10"), .die(after: 10))
        XCTAssertEqual(HelperForkers.Fault.parse("fail:0"), .fail(after: 0))
        for bad in ["", "die", "die:", "die:-1", "stop:3", "die:3:4"] { XCTAssertNil(HelperForkers.Fault.parse(bad), bad) }
    }
}
