#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel

/// Commented scenario files to start from (`ticketrush new NAME --from TEMPLATE`).
/// Every template loads and validates without a warning (a test checks).
package enum ScenarioTemplate: String, Sendable, CaseIterable {
    case seedRace = "seed-race"
    case seedMutex = "seed-mutex"
    case lostUpdate = "lost-update"
    case tornRead = "torn-read"

    /// One line on what the template shows.
    package var summary: String {
        switch self {
        case .seedRace: return "ten buyers, one ticket, no lock: the tutorial's race oversells"
        case .seedMutex: return "the same rush with a lock around the purchase: no oversell, no lost update"
        case .lostUpdate: return "enough tickets for everyone, no lock: updates get lost and tickets stay unsold"
        case .tornRead: return "in-place writes with a pause after truncating: readers see a half-written file"
        }
    }

    /// The file text for a scenario called `name`; `schemaPath` adds the editor's schema line.
    package func text(name: String, schemaPath: String? = nil) -> String {
        var lines: [String] = []
        if let schemaPath { lines.append("# yaml-language-server: $schema=\(schemaPath)") }
        lines.append("# Made by `ticketrush new --from \(rawValue)`: \(summary).")
        lines.append("# Every key is described in docs/scenarios.md; `ticketrush show FILE` prints it with all defaults.")
        lines.append("name: \(Self.yamlText(name))")
        return (lines + [body]).joined(separator: "\n")
    }

    private var body: String {
        switch self {
        case .seedRace: Self.seedRaceBody
        case .seedMutex: Self.seedMutexBody
        case .lostUpdate: Self.lostUpdateBody
        case .tornRead: Self.tornReadBody
        }
    }

    private static let seedRaceBody = """
                description: ten processes buy the one ticket with no lock (the tutorial's race)
                tickets: 1                # the store starts as {"count": 1}
                buyers:
                  count: 10               # one forked process each
                  name: "buyer-{n}"       # {n} is 1..count
                delays:
                  search: 1s              # time.sleep(1) after searching
                  write: 1s               # time.sleep(1) after deciding to buy: the race window
                time_scale: 0.01          # every delay × 0.01: 1s becomes 10ms
                lock: none                # no concurrency control at all
                trials: 20                # a race is judged over many trials
                seed: 1                   # same seed, same random draws
                invariants: [no-oversell, conservation, one-outcome, all-finished, no-undersell]
                expect:                   # the race must show: violated in at least one trial
                  no-oversell: violated
                  conservation: violated

                """

    private static let seedMutexBody = """
                description: ten buyers, one ticket, a lock around the purchase (the tutorial's fix)
                tickets: 1
                buyers:
                  count: 10
                  name: "buyer-{n}"
                delays:
                  search: 1s
                  write: 1s
                time_scale: 0.01          # 1s becomes 10ms; the lock serialises the purchases
                lock:
                  mode: flock             # flock(2) on a lock file beside the store
                  scope: purchase         # read, decide, wait, write under the lock
                trials: 20
                seed: 1
                # The search stays outside the lock and writes truncate in place, so a search
                # can read a torn file; only timing luck keeps it away, so no-torn-read is left
                # out (storage.write: atomic or lock.scope: task would make it hold).
                invariants: [no-oversell, conservation, one-outcome, all-finished, no-undersell, no-deadlock]
                # no expect: every invariant judged must hold in every trial

                """

    private static let lostUpdateBody = """
                description: ten tickets for five buyers wanting two each, no lock
                tickets: 10
                buyers:
                  count: 5
                  wants: 2                # two purchases each: demand 10 = tickets
                delays:
                  write: 20ms             # buyers read the same count, each writes count - 1
                time_scale: 1
                lock: none
                trials: 20
                seed: 7
                invariants: [no-oversell, conservation, one-outcome, all-finished]
                expect:
                  conservation: violated  # reported purchases exceed what the store lost

                """

    private static let tornReadBody = """
                description: readers arrive while a writer has truncated the file but not written it yet
                tickets: 5
                buyers: 10
                delays:
                  start: {uniform: [0, 40ms]}   # spread the buyers so some read during a write
                  truncate: 20ms                # in-place writes pause between truncate and write
                storage:
                  write: in-place               # as Python's open("w"); atomic would never tear
                lock: none
                trials: 20
                seed: 3
                invariants: [no-torn-read, one-outcome, all-finished]
                expect:
                  no-torn-read: violated

                """

    /// `name` as a YAML scalar: plain when it reads back as the same text, else quoted.
    package static func yamlText(_ name: String) -> String {
        let plain = name.first.map { $0.isLetter || $0.isNumber } ?? false
            && name.allSatisfy { $0.isLetter || $0.isNumber || "-_. ".contains($0) }
            && !name.hasSuffix(" ") && Double(name) == nil && Int(name) == nil
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(name.lowercased())
        if plain { return name }
        return jsonString(name)
    }
}
