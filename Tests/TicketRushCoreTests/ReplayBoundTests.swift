import XCTest
@testable import TicketRushModel
@testable import TicketRushSchedule

/// issue 19 item 5: a run-length is checked against what the scenario can grant before it
/// is expanded, so a short string cannot allocate gigabytes.
final class ReplayBoundTests: XCTestCase {
    let race = Scenario(name: "race", tickets: 1, buyers: BuyerGroup(count: 2))

    func testTheGrantLimitFollowsTheScenarioAndIsCapped() {
        let limit = ScheduleString.grantLimit(race)
        XCTAssertGreaterThanOrEqual(limit, 100, "a real 2-buyer run makes about 10 grants")
        XCTAssertLessThan(limit, 10_000)
        var many = race
        many.buyers.count = 1_000_000
        many.buyers.wants = 1_000_000
        many.lock.mode = .optimistic
        XCTAssertEqual(ScheduleString.grantLimit(many), ScheduleString.maxChoices, "overflow is capped, not trapped")
    }

    func testARunLengthPastTheLimitIsRefusedBeforeExpanding() {
        for text in ["S1.eff6a794.1~999999999", "S1.eff6a794.1~99999999999", "S1.eff6a794.1~99999999999999999999999999", "S1.eff6a794.12~5000"] {
            XCTAssertThrowsError(try ScheduleString.parse(text, for: race), text) { error in
                XCTAssertTrue("\(error)".contains("more than \(ScheduleString.grantLimit(race)) choices"), "\(error)")
            }
        }
        // Without a scenario the absolute bound still holds.
        XCTAssertThrowsError(try ScheduleString.parse("S1.eff6a794.1~99999999999"))
        // Many short runs add up against the same bound.
        let body = "1~1000{2}~1000{1}~1000{2}~1000{1}~1000"
        XCTAssertThrowsError(try ScheduleString.parse("S1.eff6a794." + body, buyers: 2, limit: 4_999))
        XCTAssertEqual(try ScheduleString.parse("S1.eff6a794." + body, buyers: 2, limit: 5_000).choices.count, 5_000)
        // What a run can use still parses.
        XCTAssertEqual(try ScheduleString.parse("S1.eff6a794.1~1000{2}12", for: race).choices, Array(repeating: 0, count: 1000) + [1, 0, 1])
    }

    func testControlCharactersInAStringAreEscapedInTheMessage() {
        XCTAssertThrowsError(try ScheduleString.parse("S1.eff6a794.1\n::error::x", for: race)) { error in
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
            XCTAssertTrue("\(error)".contains("1\\u000a::error::x"), "\(error)")
        }
    }
}

extension ReplayBoundTests {
    /// A run-length followed by a digit buyer ("1~8" then "2") must not read back as one
    /// longer run ("1~82"): the encoder writes that buyer as {2}.
    func testARunFollowedByADigitBuyerRoundTrips() throws {
        for choices in [Array(repeating: 0, count: 8) + [1], Array(repeating: 2, count: 12) + [0, 0] + Array(repeating: 1, count: 9) + [3]] {
            let s = ScheduleString(fingerprint: 0x3fa94c10, choices: choices)
            XCTAssertEqual(try ScheduleString.parse(s.text).choices, choices, s.text)
        }
        XCTAssertEqual(ScheduleString(fingerprint: 0x3fa94c10, choices: Array(repeating: 0, count: 8) + [1]).text, "S1.3fa94c10.1~8{2}")
    }
}
