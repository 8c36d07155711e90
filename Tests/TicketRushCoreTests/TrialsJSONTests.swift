#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import XCTest
import TicketRushModel
import TicketRushChecks
@testable import TicketRushReports

/// trials.json's records are written by hand (TrialsJSON): the bytes must be JSONEncoder's
/// with `.sortedKeys`, which `merge` and `--rerun-failed` read and older files were written by.
final class TrialsJSONTests: XCTestCase {
    private func sortedEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    private func assertSameBytes(_ records: [TrialRecord], file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try sortedEncoder().encode(records)
        let got = try XCTUnwrap(TrialsJSON.array(records), file: file, line: line)
        XCTAssertEqual(String(decoding: got, as: UTF8.self), String(decoding: expected, as: UTF8.self), file: file, line: line)
    }

    /// Every field set, every kind of evidence, events with and without a key.
    func testEveryFieldIsWrittenAsJSONEncoderWritesIt() throws {
        try assertSameBytes([TrialRecordWireTests.full()])
        for e in TrialRecordWireTests.evidence {
            var r = TrialRecordWireTests.full()
            r.results = [CheckResult(invariant: .conservation, verdict: .violated, evidence: e, name: { "b\($0)" })]
            try assertSameBytes([r])
        }
    }

    func testNothingOptionalAndEmptyArrays() throws {
        var r = TrialRecordWireTests.full()
        (r.lockWaitsNs, r.censoredWaitsNs, r.retries, r.retryReasons, r.timeline) = (nil, nil, nil, nil, nil)
        (r.schedule, r.exploration, r.engineMessages, r.isolation) = (nil, nil, nil, nil)
        (r.results, r.incomplete, r.latenciesNs) = ([], [], [])
        try assertSameBytes([r, TrialRecordWireTests.full()])
        try assertSameBytes([])
    }

    /// What JSONEncoder escapes (quote, backslash, slash, control characters) and what it
    /// writes as is (UTF-8, DEL); doubles without a trailing ".0", with exponents.
    func testStringsAndNumbersAreEscapedAndFormattedAlike() throws {
        var r = TrialRecordWireTests.full()
        r.scenario = "a/b \"q\" \\ \u{01}\u{08}\u{09}\u{0A}\u{0C}\u{0D}\u{1F}\u{7F} Zoë 買 🎟️ </script>"
        r.engineMessages = ["", "/", "\u{00}", "é\u{0301}"]
        r.retryReasons = ["zeta": 1, "Zeta": 2, "alpha": 3, "é": 4, "e": 5]
        var records: [TrialRecord] = []
        for bound in [1.0, 0.125, 1.0 / 3, 1e-05, .leastNonzeroMagnitude, 1e20, 123456789.0, 0, -0.0] {
            r.exploration?.pctBound = bound
            records.append(r)
        }
        r.seed = .max
        r.trial = Int.min
        records.append(r)
        try assertSameBytes(records)
    }

    /// The whole file: the envelope by JSONEncoder, the records by hand, spliced.
    func testTrialsJSONIsJSONEncodersFile() throws {
        let results = RunResults(shard: RunResults.Shard(k: 2, n: 3), startedAt: 1_765_000_000.25, cells: [],
                                 trials: [TrialRecordWireTests.full()], incomplete: "interrupted / by SIGINT")
        let record = RunRecord(results)
        XCTAssertEqual(String(decoding: try record.encoded(), as: UTF8.self), String(decoding: try sortedEncoder().encode(record), as: UTF8.self))
        XCTAssertEqual(try RunRecord.read(try record.encoded()), record)
    }

    /// A bound JSONEncoder cannot write: the file is JSONEncoder's own refusal, not other bytes.
    func testANonFiniteBoundFallsBackToJSONEncoder() throws {
        var r = TrialRecordWireTests.full()
        r.exploration?.pctBound = .infinity
        XCTAssertNil(TrialsJSON.array([r]))
        let record = RunRecord(RunResults(shard: nil, startedAt: 0, cells: [], trials: [r]))
        XCTAssertThrowsError(try record.encoded())
    }
}
