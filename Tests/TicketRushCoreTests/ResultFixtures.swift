import TicketRushModel
import TicketRushChecks

/// Check results for tests that need a verdict, not a history: the evidence is text a
/// report must carry through (escaped), and the severity is how many purchases oversold.
func fixture(_ invariant: Invariant, _ verdict: Verdict, _ text: String = "", severity: Int = 0) -> CheckResult {
    let evidence: Evidence = severity > 0
        ? .sales(tickets: 0, sold: severity, bought: (0..<severity).map { Event(tNs: 0, buyer: $0, task: 0, kind: .bought) }, indeterminate: 0)
        : .checkerFailed(text)
    return CheckResult(invariant: invariant, verdict: verdict, evidence: evidence, name: { "buyer-\($0 + 1)" })
}
