#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel
import TicketRushChecks

/// trials.json: what a run (or a shard) stores for `merge` and `--rerun-failed`, as its own
/// versioned types. `RunResults` (the in-memory form every report renders) is made from it.
package struct RunRecord: Codable, Sendable, Equatable {
    /// The format this build writes and reads. 1 kept the scenario as strings; 2 the
    /// in-memory model's own coding, which dropped `program`; 3 `ScenarioRecord`.
    package static let currentFormat = 3

    /// One planned cell: the scenario, the seed its trial seeds derive from, trials planned.
    package struct Cell: Codable, Sendable, Equatable {
        package var scenario: ScenarioRecord
        package var seed: UInt64
        package var trials: Int
        /// Why the cell did not run (its engine is not installed), or nil.
        package var skipped: String?
    }

    package var format: Int
    package var shard: RunResults.Shard?
    /// Wall-clock start, seconds since 1970.
    package var startedAt: Double
    package var incomplete: String?
    package var cells: [Cell]
    package var trials: [TrialRecord]

    package init(_ results: RunResults) {
        format = Self.currentFormat
        shard = results.shard
        startedAt = results.startedAt
        incomplete = results.incomplete
        cells = results.cellRecords.map { Cell(scenario: ScenarioRecord($0.scenario), seed: $0.seed, trials: $0.trials, skipped: $0.skipped) }
        trials = results.trials
    }

    /// The results this record stores.
    package var results: RunResults {
        let planned = cells.map { c in
            var cell = CellRecord(c.scenario.scenario, seed: c.seed, trials: c.trials)
            cell.skipped = c.skipped
            return cell
        }
        return RunResults(shard: shard, startedAt: startedAt, cells: planned, trials: trials, incomplete: incomplete)
    }

    /// The bytes of trials.json (keys sorted: the same results give the same file).
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // The records by hand (TrialsJSON: the same bytes, a fraction of the time), the rest
        // by JSONEncoder: `trials` sorts last, so the file ends `"trials":[…]}`.
        guard let trials = TrialsJSON.array(self.trials) else { return try encoder.encode(self) }
        var envelope = self
        envelope.trials = []
        var bytes = Array(try encoder.encode(envelope))
        guard bytes.suffix(12).elementsEqual(#""trials":[]}"#.utf8) else { return try encoder.encode(self) }
        bytes.removeLast(3)
        bytes += trials
        bytes.append(UInt8(ascii: "}"))
        return Data(bytes)
    }

    /// Reads trials.json. Another format fails with a message naming both formats (a format-2
    /// file lacks fields reports need, so it is refused, not half-read); a value this build
    /// does not know fails naming where it is, never drops a cell.
    package static func read(_ data: Data) throws(RunResults.ReadError) -> RunRecord {
        struct Header: Decodable { var format: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw RunResults.ReadError(description: "not a JSON object with a 'format' field")
        }
        guard let format = header.format else {
            throw RunResults.ReadError(description: "no 'format' field: not a trials.json of ticketrush")
        }
        guard format == currentFormat else {
            let age = format < currentFormat ? "an older" : "a newer"
            throw RunResults.ReadError(description: "trials.json format \(format) was written by \(age) ticketrush; this build reads format \(currentFormat): rerun the shard with this build")
        }
        do {
            return try JSONDecoder().decode(RunRecord.self, from: data)
        } catch let error as DecodingError {
            throw RunResults.ReadError(description: RunResults.describe(error))
        } catch {
            throw RunResults.ReadError(description: "\(error)")
        }
    }
}
