import TicketRushModel
extension LintRule {
    /// `timeout: 0`: every trial is cut off at once.
    package static let timeoutZero = LintRule(
        "timeout-zero",
        "timeout 0: every trial is killed at once and every invariant judged on nothing"
    ) { doc, warn in
        guard doc.scenario.timeoutNs == 0 else { return [] }
        return [warn(at: "timeout", "timeout is 0: every trial's buyers are killed at once and all-finished is violated; give a timeout such as 30s")]
    }
}
