import XCTest
import TicketRushModel
@testable import TicketRushChecks
@testable import TicketRushReports

/// The timeline's lanes: bars per phase, reads and writes marked, racing ones flagged.
final class HTMLTimelineTests: XCTestCase {
    func testLanesFromALostUpdate() {
        func e(_ t: UInt64, _ b: Int, _ k: EventKind, _ v: Int64 = 0) -> Event { Event(tNs: t, buyer: b, task: 0, kind: k, value: v) }
        let timeline = TrialRecord.Timeline(buyers: ["a", "b"], events: [
            e(0, 0, .start), e(1, 1, .start), e(2, 0, .searchRead, 1), e(3, 1, .searchRead, 1),
            e(10, 0, .purchaseRead, 1), e(11, 1, .purchaseRead, 1), e(20, 0, .purchaseWrite, 0), e(21, 1, .purchaseWrite, 0),
            e(25, 0, .bought, 0), e(26, 1, .bought, 0), e(27, 0, .done), e(28, 1, .done),
        ])
        let (bars, marks) = HTMLReport.lanes(timeline)
        XCTAssertEqual(bars[0], [HTMLReport.Bar(start: 0, end: 10, kind: "search"), HTMLReport.Bar(start: 10, end: 20, kind: "decide"),
                                 HTMLReport.Bar(start: 20, end: 25, kind: "write")])
        XCTAssertEqual(marks[1].map(\.racing), [false, true, true], "both buyers read 1 and wrote 0")
        XCTAssertEqual(marks[1].map(\.write), [false, false, true])

        let locked = TrialRecord.Timeline(buyers: ["a"], events: [
            e(0, 0, .start), e(1, 0, .searchRead, 1), e(5, 0, .lockWait), e(9, 0, .lockAcquired), e(10, 0, .purchaseRead, 1),
            e(12, 0, .purchaseWrite, 0), e(15, 0, .bought, 0), e(16, 0, .lockReleased), e(17, 0, .done),
        ])
        let lockedBars = HTMLReport.lanes(locked).bars[0]
        XCTAssertEqual(lockedBars.map(\.kind), ["search", "wait", "decide", "write", "hold"])
        XCTAssertEqual(lockedBars[1], HTMLReport.Bar(start: 5, end: 9, kind: "wait"))
        XCTAssertEqual(lockedBars[4], HTMLReport.Bar(start: 9, end: 16, kind: "hold"))
        XCTAssertEqual(HTMLReport.escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;")
    }
}

/// Labels never run off their column; latency has a log axis for outliers.
final class HTMLLabelTests: XCTestCase {
    func testLongLabelsKeepTheirEndAndTheWholeNameInATooltip() {
        XCTAssertEqual(HTMLReport.label("short", fitting: 100), "short")
        let long = "sweep[lock.mode=optimistic,buyers.count=10000,tickets=5000,storage.write=atomic]"
        let shown = HTMLReport.label(long, fitting: 200)
        XCTAssertTrue(shown.hasPrefix("<title>"), shown)
        XCTAssertTrue(shown.contains("…"), shown)
        XCTAssertTrue(shown.hasSuffix("storage.write=atomic]"), "the end, where cell names differ, stays: \(shown)")
        let visible = shown.components(separatedBy: "</title>").last ?? ""
        XCTAssertLessThanOrEqual(Double(visible.count - 1) * 6.5 + 6.5, 200, visible)
        // Wide characters count wider.
        XCTAssertTrue(HTMLReport.label(String(repeating: "路", count: 30), fitting: 110).contains("…"))
    }
}
