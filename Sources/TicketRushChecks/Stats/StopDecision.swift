import TicketRushModel
extension StopRule {
    /// Why a cell stopped running trials.
    public enum Reason: String, Sendable {
        /// A `hold` invariant was violated: more trials cannot rescue the expectation.
        case violation
        /// Every `hold` invariant's rate is bounded below the target (and every expected
        /// violation was seen).
        case bounded
        /// The maximum number of trials ran.
        case max
    }

    /// Running counts of one cell's trials, enough to decide when to stop.
    public struct Tally: Sendable {
        public private(set) var trials = 0
        /// Per invariant expected to hold: trials violated, and trials violated or unknown.
        public private(set) var holdViolated: [String: Int] = [:]
        public private(set) var holdNotHeld: [String: Int] = [:]
        /// Per invariant expected violated: trials it was violated in.
        public private(set) var expectedSeen: [String: Int] = [:]

        public init(_ scenario: Scenario) {
            for i in scenario.invariants {
                if scenario.expectation(for: i) == .hold {
                    holdViolated[i.rawValue] = 0
                    holdNotHeld[i.rawValue] = 0
                } else {
                    expectedSeen[i.rawValue] = 0
                }
            }
        }

        public mutating func add(_ record: TrialRecord) {
            trials += 1
            for r in record.results {
                let name = r.invariant.rawValue
                if holdViolated[name] != nil {
                    if r.verdict == .violated { holdViolated[name, default: 0] += 1 }
                    if r.isProblem { holdNotHeld[name, default: 0] += 1 }
                } else if expectedSeen[name] != nil, r.verdict == .violated {
                    expectedSeen[name, default: 0] += 1
                }
            }
        }

        /// Stop now, and why; nil to keep going. Unknown verdicts count against the bound.
        public func stop(_ rule: StopRule) -> Reason? {
            guard trials > 0 else { return nil }
            if holdViolated.values.contains(where: { $0 > 0 }) { return .violation }
            let bounded = holdNotHeld.values.allSatisfy {
                Proportion($0, of: trials).wilson(confidence: rule.confidence).upper < rule.rateBelow
            }
            return bounded && expectedSeen.values.allSatisfy({ $0 > 0 }) ? .bounded : nil
        }
    }
}
