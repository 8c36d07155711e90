import TicketRushModel
/// One check for something legal but probably not what the author meant. Each rule lives in
/// its own file and yields warnings located at the key they are about.
package struct LintRule: Sendable {
    /// Short kebab-case id, shown with each finding (`[tiny-delay]`) and in `--format json`.
    package var id: String
    /// One line on what the rule looks for, for the reference.
    package var summary: String
    private var body: @Sendable (LoadedDocument, Warn) -> [Diagnostic]

    package init(_ id: String, _ summary: String, check: @escaping @Sendable (LoadedDocument, Warn) -> [Diagnostic]) {
        self.id = id
        self.summary = summary
        self.body = check
    }

    /// This rule's warnings for one scenario.
    package func check(_ document: LoadedDocument) -> [Diagnostic] {
        body(document, Warn(rule: id, document: document))
    }

    /// Makes a rule's warning located at a key path of the document.
    package struct Warn {
        package var rule: String
        package var document: LoadedDocument

        package func callAsFunction(at keyPath: String, _ message: String) -> Diagnostic {
            var d = Diagnostic(.warning, at: document.location(of: keyPath), message)
            d.rule = rule
            return d
        }
    }
}

/// The warnings `ticketrush validate` reports.
package enum ScenarioLint {
    /// Every rule, in the order findings are reported.
    package static let rules: [LintRule] = [
        .expectNeedsLuck, .tornReadByLuck, .violationImpossible, .lockScopeWrite, .scopeWithoutLock,
        .tinyDelay, .truncateWithAtomic, .lowDemand, .timeoutTooShort, .timeoutZero, .deadHolderWaits,
        .commandNotFound, .placeholderInCode,
    ]

    /// Every warning for one loaded scenario, sorted by position.
    package static func warnings(_ document: LoadedDocument) -> [Diagnostic] {
        rules.flatMap { $0.check(document) }.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }
}

extension Delay {
    /// The smallest value this delay can take.
    package var minNs: Int64 {
        switch self {
        case .fixed(let ns): return ns
        case .uniform(let low, _): return low
        }
    }
}

extension Scenario {
    /// Nanoseconds after `time_scale`, as a buyer sleeps them.
    package func scaled(_ ns: Int64) -> Double { Double(ns) * timeScale }

    /// A scaled duration for messages, rounded to two decimals of its largest unit: "30ms", "1.5us".
    package func scaledText(_ ns: Int64) -> String {
        let value = scaled(ns)
        if value == 0 { return "0" }
        for (suffix, size) in [("h", 3.6e12), ("m", 6e10), ("s", 1e9), ("ms", 1e6), ("us", 1e3)] where value >= size {
            return ScenarioYAML.number((value / size * 100).rounded() / 100) + suffix
        }
        return ScenarioYAML.number((value * 100).rounded() / 100) + "ns"
    }
}
